"""`Workspace`: the one façade over a store. The CLI, the web app and the report go through it."""

from __future__ import annotations

__all__ = ["Workspace", "open_workspace"]

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pandas as pd

from rapport import settings
from rapport.access import AccessMethods
from rapport.errors import ConfigError, NotAnalyzedError, StoreError
from rapport.ingest import IngestRequest, IngestResult, ingest
from rapport.ingest.expressions import parse_map_options
from rapport.ingest.loader import Progress
from rapport.lookups import build_lookups
from rapport.schema import RAW_TABLES, SCHEMA_VERSION, TABLES, migrate, table_exists
from rapport.store import Helpers, duckdb_threads
from rapport.understanding import UnderstandingMethods


class Workspace(UnderstandingMethods, AccessMethods):
    """A Rapport store: a DuckDB file holding the canonical tables.

    >>> ws = rapport.open("shop.duckdb")
    >>> ws.ingest("orders.csv", kind="transactions")
    >>> ws.sql("SELECT count(*) FROM customers")
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path if path is not None else settings.get("store"))
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a folder; give the path of a .duckdb file.")
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path} does not exist; create it with `rapport init`.")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "not a valid duckdb database" in str(exc).lower():
                raise StoreError(
                    f"{self.path} is not a Rapport store (it is not a DuckDB database). "
                    f"Choose another path with --store."
                ) from None
            if "lock" in str(exc).lower():
                raise StoreError(
                    f"{self.path} is open in another process (a running `rapport serve` or "
                    f"notebook?). Close it, or open this store read-only."
                ) from None
            raise StoreError(f"cannot open {self.path}: {exc}") from None
        except duckdb.Error as exc:
            raise StoreError(
                f"{self.path} is not a Rapport store (DuckDB could not open it: {exc}). "
                f"Choose another path with --store."
            ) from None
        self._views: list[Workspace] = []
        self._helpers = Helpers(self._con, self._setup)  # shared with the views
        self._active_seen = {}  # shared with the views (see AccessMethods.active)
        self._setup(self._con)
        self._apply_store_settings()
        self.read_only = read_only
        if not read_only:
            self.schema_version_found = migrate(self._con, str(self.path))
        else:
            from rapport.schema import current_version

            self.schema_version_found = current_version(self._con)

    # --- lifecycle -----------------------------------------------------------------------
    @staticmethod
    def _setup(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")

    def _apply_store_settings(self) -> None:
        """Apply `store.threads` and `store.memory_limit` (for the whole open store, views
        included): DuckDB would take 80% of RAM, and the analysis needs room for its own work
        beside it."""
        try:
            self._con.execute(f"SET threads = {duckdb_threads()}")
        except ConfigError:
            self._con.close()
            raise
        limit = str(settings.get("store.memory_limit")).strip()
        if not limit:
            return
        try:
            self._con.execute("SET memory_limit = ?", [limit])
        except duckdb.Error as exc:
            self._con.close()
            raise ConfigError(
                f"store.memory_limit {limit!r} is not a memory size ({exc}). Give a share of "
                "RAM such as 50% or a size such as 8GB (setting RAPPORT_STORE_MEMORY_LIMIT)."
            ) from None

    def view(self) -> Workspace:
        """Another `Workspace` over the same open store, on a connection of its own, for use
        from another thread (DuckDB runs queries from several connections at once). Closing
        this workspace closes its views."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other._con = self._con.cursor()
        other._views = []
        self._setup(other._con)
        self._views.append(other)
        return other

    def close(self) -> None:
        for view in self._views:
            view.close()
        self._views.clear()
        if self._helpers.owner is self._con:
            self._helpers.close()
        self._con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    @property
    def schema_version(self) -> int:
        return SCHEMA_VERSION

    # --- ingestion -----------------------------------------------------------------------
    def ingest(
        self,
        data: Any,
        kind: str,
        *,
        source: str | None = None,
        mapping: dict[str, str] | Iterable[str] | None = None,
        on_error: str | None = None,
        mode: str | None = None,
        id_space: str | None = None,
        date_format: str | None = None,
        rating_scale: str | None = None,
        header: bool | None = None,
        delimiter: str | None = None,
        encoding: str | None = None,
        sheet: str | None = None,
        force: bool = False,
        dry_run: bool = False,
        rejects_dir: str | Path | None = None,
        progress: Progress | None = None,
        on_plan: Callable[[IngestResult], None] | None = None,
    ) -> IngestResult:
        """Load a file (path) or a pandas / polars / Arrow table as `kind`.

        `kind` is customers, transactions, feedback, accounts or contacts. `mapping` maps
        fields to columns or expressions ({"amount": "Quantity*UnitPrice"} or
        ["amount=Quantity*UnitPrice"]); unmapped fields are inferred from column names.
        """
        self._writable()
        if mapping is None:
            given: dict[str, str] = {}
        elif isinstance(mapping, dict):
            given = dict(mapping)
        else:
            given = parse_map_options(mapping)
        request = IngestRequest(
            kind=kind,
            source=source,
            mapping=given,
            on_error=settings.get("ingest.on_error", on_error),
            mode=settings.get("ingest.mode", mode),
            id_space=settings.get("ingest.id_space", id_space),
            date_format=date_format,
            rating_scale=rating_scale,
            header=header,
            delimiter=delimiter,
            encoding=encoding,
            sheet=sheet,
            force=force,
            dry_run=dry_run,
            rejects_dir=Path(rejects_dir) if rejects_dir else None,
        )
        return ingest(self._con, data, request, self.path.resolve().parent, progress, on_plan)

    # --- what is in the store ------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Counts per table and source, date ranges, and the last loads."""
        tables = {
            t: int(self._rows(f"SELECT count(*) AS n FROM {t}")[0]["n"])
            for t in (*RAW_TABLES, "ingests", "rejects")
        }
        by_source = self._rows(
            "SELECT 'transactions' AS table_name, source, count(*) AS rows, "
            "CAST(CAST(min(ts) AS DATE) AS VARCHAR) AS first, "
            "CAST(CAST(max(ts) AS DATE) AS VARCHAR) AS last "
            "FROM transactions GROUP BY source UNION ALL "
            "SELECT 'feedback', source, count(*), CAST(CAST(min(ts) AS DATE) AS VARCHAR), "
            "CAST(CAST(max(ts) AS DATE) AS VARCHAR) FROM feedback GROUP BY source UNION ALL "
            "SELECT 'customers', source, count(*), CAST(CAST(min(created_at) AS DATE) AS VARCHAR),"
            " CAST(CAST(max(created_at) AS DATE) AS VARCHAR) FROM customers GROUP BY source "
            "UNION ALL "
            "SELECT 'accounts', source, count(*), NULL, NULL FROM accounts GROUP BY source "
            "UNION ALL SELECT 'contacts', source, count(*), NULL, NULL FROM contacts "
            "GROUP BY source ORDER BY 1, 2"
        )
        loads = self.ingests(limit=10)
        return {
            "store": str(self.path),
            "schema_version": SCHEMA_VERSION,
            "tables": tables,
            "sources": by_source,
            "last_loads": loads,
        }

    def ingests(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest loads, newest first."""
        return self._rows(
            "SELECT ingest_id, source, kind, path, status, rows_read, rows_loaded, rows_rejected, "
            "rows_replaced, customers_created, customers_merged, rejects_path, "
            "strftime(finished_at, '%Y-%m-%d %H:%M:%S') AS finished_at, "
            "round(seconds, 3) AS seconds "
            "FROM ingests ORDER BY ingest_id DESC LIMIT ?",
            [limit],
        )

    def rejects(self, ingest_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Rows refused by loads with on_error='skip', with their reasons."""
        where = "WHERE ingest_id = ?" if ingest_id is not None else ""
        params: list[Any] = [ingest_id] if ingest_id is not None else []
        return self._rows(
            f"SELECT ingest_id, source_row, column_name, value, reason FROM rejects {where} "
            f"ORDER BY ingest_id DESC, source_row LIMIT ?",
            [*params, limit],
        )

    def customers(
        self,
        search: str | None = None,
        limit: int = 50,
        offset: int = 0,
        *,
        stage: str | None = None,
        sort: str | None = None,
        persona: str | None = None,
        theme: str | None = None,
    ) -> list[dict[str, Any]]:
        """Customers with their purchase and feedback counts; `search` matches any name or key.

        After `analyze`, `stage` filters by ladder stage or status (e.g. "loyal", "at-risk"),
        `persona` by persona (id or name), `theme` by a theme they spoke of (id), and `sort`
        orders by a behaviour column, highest first (e.g. "clv", "p_alive").
        """
        conditions, params = [], []
        if persona:
            self._require("customer_personas")
            conditions.append("c.customer_id IN (SELECT customer_id FROM customer_personas "
                              "WHERE persona_id = ? OR lower(persona) = lower(?))")
            params += [persona, persona]
        if theme:
            self._require("statement_themes")
            conditions.append("c.customer_id IN (SELECT s.customer_id FROM statements s JOIN "
                              "statement_themes st USING (statement_id) WHERE st.theme_id = ?)")
            params.append(theme)
        if search:
            conditions.append(
                "(c.customer_id IN (SELECT customer_id FROM identities WHERE "
                "value ILIKE ?) OR c.name ILIKE ? OR c.email ILIKE ? OR c.customer_id = ?)"
            )
            like = f"%{search.strip().lower()}%"
            params += [like, f"%{search.strip()}%", like, search.strip()]
        if stage or sort:
            return self._analyzed_customers(conditions, params, stage, sort, limit, offset)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        # The page's ids first, then each part read for those ids alone (the lookup indexes
        # serve them): aggregating all transactions to show 100 customers took 2.3 s at 1M.
        ids = [r[0] for r in self._con.execute(
            f"SELECT c.customer_id FROM customers c {where} ORDER BY c.customer_id "
            f"LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()]
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        rows = {r["customer_id"]: r for r in self._rows(
            f"SELECT customer_id, name, email, phone, account_id FROM customers "
            f"WHERE customer_id IN ({marks})", ids)}
        parts = {
            "transactions": "SELECT customer_id, count(*) AS transactions, round(sum(amount), "
                            "2) AS spend, CAST(CAST(max(ts) AS DATE) AS VARCHAR) AS "
                            "last_purchase FROM transactions WHERE customer_id IN ({}) GROUP BY 1",
            "feedback": "SELECT customer_id, count(*) AS feedback FROM feedback "
                        "WHERE customer_id IN ({}) GROUP BY 1",
            "identities": "SELECT customer_id, list(kind || ':' || value ORDER BY kind, value) "
                          "AS keys FROM identities WHERE customer_id IN ({}) GROUP BY 1",
        }
        if table_exists(self._con, "customer_behavior"):  # as of the last analysis
            parts["customer_behavior"] = (
                "SELECT customer_id, stage, status, CAST(n_orders AS BIGINT) AS orders, "
                "round(clv, 2) AS clv FROM customer_behavior WHERE customer_id IN ({})")
        empty = {"transactions": 0, "spend": 0.0, "last_purchase": None, "feedback": 0,
                 "keys": None}
        for row in rows.values():
            row.update(empty)
        for query in parts.values():
            for found in self._rows(query.format(marks), ids):
                rows[found["customer_id"]].update(found)
        return [rows[i] for i in ids]

    def _analyzed_customers(
        self, conditions: list[str], params: list[Any], stage: str | None, sort: str | None,
        limit: int, offset: int,
    ) -> list[dict[str, Any]]:
        from rapport.behavior.ladder import LADDER, STATUSES

        self._require("customer_behavior")
        if stage:
            wanted = stage.strip().lower().replace("-", " ").replace("_", " ")
            if wanted in LADDER:
                conditions.append("b.stage = ?")
            elif wanted in STATUSES:
                conditions.append("b.status = ?")
            else:
                raise ConfigError(
                    f"--stage {stage!r}: use a ladder stage ({', '.join(LADDER)}) or a status "
                    f"({', '.join(STATUSES)}); dashes or spaces both work (at-risk)."
                )
            params.append(wanted)
        columns = [c for c in self.sql("SELECT * FROM customer_behavior LIMIT 0").column_names]
        order = "c.customer_id"
        if sort:
            key = sort.strip().lower()
            if key not in columns or key == "customer_id":
                numeric = ", ".join(c for c in ("clv", "p_alive", "expected_purchases",
                                                "total_spend", "frequency", "overdue_ratio",
                                                "days_since_last_purchase") if c in columns)
                raise ConfigError(f"--sort {sort!r}: sort by a behaviour column, e.g. {numeric}.")
            order = f'b."{key}" DESC NULLS LAST, c.customer_id'
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        return self._rows(
            "SELECT c.customer_id, c.name, c.email, b.stage, b.status, "
            "CAST(b.n_orders AS BIGINT) AS orders, "
            "round(b.total_spend, 2) AS spend, CAST(CAST(b.last_purchase AS DATE) AS VARCHAR) "
            "AS last_purchase, round(b.p_alive, 3) AS p_alive, "
            "round(b.expected_purchases, 2) AS expected_purchases, round(b.clv, 2) AS clv "
            f"FROM customers c JOIN customer_behavior b USING (customer_id) {where} "
            f"ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )

    def table_names(self) -> list[str]:
        return sorted(TABLES)

    # --- analysis ------------------------------------------------------------------------
    def analyze(
        self,
        *,
        engine: str = "duckdb",
        as_of: Any = None,
        spark: Any = None,
        voice: bool = True,
        understand: bool = True,
        mode: str | None = None,
        codebook: str | Path | None = None,
        competitors: Sequence[str] | None = None,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Rebuild the derived tables from the raw ones: the behaviour stage (summaries, BTYD
        models, CLV, the loyalty ladder) into `customer_behavior`, then the voice stage
        (statements, sentiment, facets, themes, vocabulary) from `feedback`, then the
        understanding stage (say-vs-do, drivers, personas, coverage, trends, research plans;
        `understand=False` skips it).

        `engine` is "duckdb" (default) or "spark" (needs rapport[spark]); `as_of` analyses the
        data as it stood on that date (default: the latest transaction). `mode` is the voice
        stage's encoder ("accurate" or "fast"); `codebook` a theme codebook to code with
        (default: codebook.toml beside the store, if there is one); `competitors` the names
        of competitors to recognise (default: the setting voice.competitors). `voice=False`
        skips the voice stage.
        """
        from rapport.behavior.analysis import analyze_behavior
        from rapport.understand.profile_parts import build_profile_parts, drop_profile_parts

        self._writable()
        counts = self._con.execute(
            "SELECT (SELECT count(*) FROM transactions), "
            "(SELECT count(*) FROM feedback WHERE text IS NOT NULL)"
        ).fetchall()
        n_tx, n_text = (int(counts[0][0]), int(counts[0][1])) if counts else (0, 0)
        if not n_tx and not (voice and n_text):
            raise NotAnalyzedError(
                "there is nothing to analyse: load transactions or feedback first with "
                "`rapport ingest FILE transactions` or `rapport ingest FILE feedback`."
            )
        result: dict[str, Any] = {}
        drop_profile_parts(self._con)  # stale until rebuilt below (see its module)
        if n_tx:
            run = analyze_behavior(self._con, observation_end=as_of, engine=engine,
                                   spark=spark, progress=progress)
            result["behavior"] = run.as_dict()
        if voice and n_text:
            from rapport.voice.analysis import analyze_voice

            voice_run = analyze_voice(self._con, mode=mode, codebook=codebook,
                                      competitors=competitors,
                                      store_dir=self.path.resolve().parent, progress=progress)
            result["voice"] = voice_run.as_dict()
        if understand:
            from rapport.understand.analysis import analyze_understanding

            result["understand"] = analyze_understanding(self._con, progress).as_dict()
        if progress is not None:
            progress("profile parts and lookup indexes")
        build_profile_parts(self._con)
        build_lookups(self._con)
        return result

    def validate(self, until: Any, holdout_end: Any = None) -> dict[str, Any]:
        """How well the purchase model predicts: fit on the data up to `until`, compare its
        predictions with what customers bought afterwards, by purchase frequency."""
        from rapport.behavior.analysis import validate_behavior

        return validate_behavior(self._con, until, holdout_end)

    def engine(self, kind: str = "duckdb", spark: Any = None) -> Any:
        """An analysis engine over this store: "duckdb" (this store's connection) or "spark"
        (a local session unless `spark` is given; needs rapport[spark])."""
        from rapport.engines import get_engine

        return get_engine(kind, self._con if kind == "duckdb" else spark)

    def behavior(self, customer_id: str) -> dict[str, Any]:
        """One customer's row of `customer_behavior`."""
        self._require("customer_behavior")
        rows = self._rows("SELECT * FROM customer_behavior WHERE customer_id = ?", [customer_id])
        if not rows:
            raise ConfigError(f"no customer {customer_id!r}; find one with `rapport customers`.")
        return rows[0]

    def clv_horizon(self) -> float | None:
        """The horizon, in months, of the last analysis's expected purchases and CLV (None
        before the first analysis)."""
        if not table_exists(self._con, "behavior_models"):
            return None
        rows = self._con.execute("SELECT horizon_months FROM behavior_models "
                                 "ORDER BY fitted_at DESC LIMIT 1").fetchall()
        return float(rows[0][0]) if rows and rows[0][0] is not None else None

    def cohorts(self) -> dict[str, Any]:
        """Retention by first-purchase month (share buying in each later month) and the
        sBG fit of each cohort, as built by `analyze`."""
        self._require("cohort_models")
        retention = self.sql("SELECT * FROM cohort_retention ORDER BY cohort_month, "
                             "months_since").to_pandas()
        matrix = retention.pivot(index="cohort_month", columns="months_since", values="share")
        return {
            "retention": retention.to_dict("records"),
            "matrix": {str(k.date() if hasattr(k, "date") else k): [
                None if pd.isna(v) else round(float(v), 4) for v in row]
                for k, row in matrix.iterrows()},
            "models": self._rows("SELECT * FROM cohort_models ORDER BY cohort_month"),
        }

    def flows(self, start: Any, end: Any) -> dict[str, Any]:
        """How customers moved on the loyalty ladder between two dates."""
        from rapport.behavior.analysis import behavior_frame
        from rapport.behavior.ladder import ladder_flows
        from rapport.behavior.summaries import observation_end_of

        try:
            span = [observation_end_of(start), observation_end_of(end)]
        except ConfigError as exc:
            raise ConfigError(f"ladder flows between two dates: {exc}") from None
        if span[0].end >= span[1].end:
            raise ConfigError(f"ladder flows: the first date ({start}) must come before the "
                              f"second ({end}); swap them or pick an earlier first date.")
        after, second, _ = behavior_frame(self._con, observation_end=span[1])
        notes: list[str] = []
        runs = [second]
        try:
            before, first, _ = behavior_frame(self._con, observation_end=span[0])
            runs.insert(0, first)
        except NotAnalyzedError:  # no purchases yet on `start`: every buyer since is new
            before = after.iloc[:0]
            notes.append(f"no purchases up to {start}: every customer who bought by {end} is new.")
        moves = ladder_flows(before, after)
        matrix = (moves.groupby(["stage_before", "stage_after"]).size()
                  .rename("customers").reset_index())
        dates: dict[str, list[str]] = {}  # each note once, with the dates it applies to
        for run in runs:
            for note in run.notes:
                dates.setdefault(note, []).append(f"{run.observation_end:%Y-%m-%d}")
        notes += [f"on {' and '.join(days)}: {note}" for note, days in dates.items()]
        return {
            "from": str(start), "to": str(end),
            "moves": {str(k): int(v) for k, v in moves["move"].value_counts().items()},
            "flows": matrix.to_dict("records"),
            "customers": moves.to_dict("records"),
            "notes": notes,
        }

    # --- the inner life (voice stage) ---------------------------------------------------
    def themes(self, *, level: int | None = None, status: str | None = None,
               parent: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Themes found in what customers say: label, size, sentiment, trend, key phrases and
        quotes; `level` 1 for themes, 2 for sub-themes; `status` discovered, codebook or
        emerging."""
        from rapport.voice import queries

        return queries.themes(self._con, level=level, status=status, parent=parent,
                              limit=limit)

    def quotes(self, theme: str, limit: int = 20,
               sentiment: str | None = None) -> dict[str, Any]:
        """A theme (by id or words of its label) and its statements, most typical first."""
        from rapport.voice import queries

        return queries.quotes(self._con, theme, limit=limit, sentiment=sentiment)

    def facets(self, facet: str | None = None, limit: int = 20,
               customer_id: str | None = None) -> dict[str, Any]:
        """Statements carrying an inner-life facet (job, pain, value, hope, fear, perception,
        competitor, suggestion, praise, intent), or the count of each."""
        from rapport.voice import queries

        return queries.facets(self._con, facet, limit=limit, customer_id=customer_id)

    def vocabulary(self, kind: str | None = None, group: str | None = None,
                   top: int = 12) -> list[dict[str, Any]]:
        """The phrases customers use, per theme, ladder stage or RFM segment."""
        from rapport.voice import queries

        return queries.vocabulary(self._con, kind, group, top)

    def export_codebook(self, path: str | Path | None = None) -> dict[str, Any]:
        """Write the current themes as an editable codebook (default: codebook.toml beside
        the store, which later analyses then code with)."""
        from rapport.voice import queries

        target = Path(path) if path else self.path.resolve().parent / "codebook.toml"
        return queries.export_codebook(self._con, target)

    # --- the demo business ---------------------------------------------------------------
    def demo(
        self,
        customers: int | None = None,
        seed: int | None = None,
        out_dir: str | Path | None = None,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Generate the demo business into `out_dir` (beside the store) and load it."""
        from rapport.demo import competitor_names, generate_demo

        self._writable()
        n = int(settings.get("demo.customers", customers))
        s = int(settings.get("demo.seed", seed))
        folder = Path(out_dir) if out_dir else self.path.resolve().parent / "demo-data"
        files = generate_demo(folder, customers=n, seed=s)
        loads = []
        for kind, path in (
            ("accounts", files.accounts),
            ("customers", files.customers),
            ("contacts", files.contacts),
            ("transactions", files.transactions),
            ("feedback", files.feedback),
        ):
            loads.append(self.ingest(path, kind, source="demo", progress=progress).as_dict())
        analysis = self.analyze(competitors=competitor_names(), progress=progress)
        return {"folder": str(folder), "ground_truth": str(files.ground_truth), "loads": loads,
                "analysis": analysis, "status": self.status()}


def open_workspace(path: str | Path | None = None, *, read_only: bool = False) -> Workspace:
    """Open (creating if needed) the store at `path` (default ./rapport.duckdb)."""
    return Workspace(path, read_only=read_only)
