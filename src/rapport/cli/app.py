"""Commands: init, ingest, status, customers, ingests, rejects, demo.

Every command works on one store (`--store PATH`, default ./rapport.duckdb or
$RAPPORT_STORE). Listing commands take `--json`. Errors print `Error: …` and exit 1.
"""

from __future__ import annotations

__all__ = ["app", "main"]

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from rapport import settings
from rapport.errors import InputError, RapportError
from rapport.ingest import IngestResult
from rapport.ingest.fields import KINDS
from rapport.ingest.loader import STEPS
from rapport.workspace import Workspace

T = TypeVar("T")

app = typer.Typer(
    name="rapport",
    help="Rapport: know your customers the way a friend does. Loads what customers do and say "
    "into a local store (a DuckDB file) and tells you who they are.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

_state: dict[str, Any] = {"store": None}

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="the store file (default ./rapport.duckdb or $RAPPORT_STORE)"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


@app.callback()
def _root(store: StoreOpt = None) -> None:
    _state["store"] = store


def _store(store: Path | None) -> Path:
    return Path(store or _state["store"] or settings.get("store"))


@contextmanager
def _workspace(store: Path | None, read_only: bool = False) -> Iterator[Workspace]:
    ws = Workspace(_store(store), read_only=read_only)
    try:
        yield ws
    finally:
        ws.close()


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, list):
        return said(", ".join(str(v) for v in value))
    return said(value)


def said(text: Any) -> str:
    """Customer words (or anything read from the store) safe to print: rich would take
    "[name]", a redaction, for a markup tag and drop it."""
    return escape(str(text))


# A column whose widest cell is longer than this may wrap; narrower ones never do.
_WRAP_FROM = 32


def _table(
    rows: list[dict[str, Any]], title: str | None = None, columns: tuple[str, ...] | None = None
) -> Table:
    """Rows as a table that fits the terminal: columns in the order given, which is also
    their priority. Short values (ids, dates, amounts, emails) are never broken across lines;
    where the columns do not all fit, those that do not fit after the ones before them are
    left out, and the caption says which and how to see them. Columns empty in every row
    are left out too, and named in the caption."""
    table = Table(title=title, show_lines=False, header_style="bold")
    if not rows:
        table.add_column("(none)")
        return table
    # Asked-for columns the rows do not have at all are no news: left out without a word.
    cols = tuple(c for c in columns if any(c in r for r in rows)) if columns else tuple(rows[0])
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    heads = [c.replace("_", " ") for c in cols]
    widths = [
        max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(heads)
    ]
    room = max(out.width, 40)
    empty = [i for i in range(len(cols)) if not any(row[i] for row in cells)]
    kept: list[int] = []
    used = 1  # the left border
    for i, width in enumerate(widths):
        if i in empty and len(empty) < len(cols):
            continue  # a column with nothing in it only takes room
        need = max(len(heads[i]), min(width, _WRAP_FROM)) + 3  # padding and a border
        if kept and used + need > room:
            continue  # a narrower column further on may still fit
        kept.append(i)
        used += need
    for i in kept:
        numeric = isinstance(rows[0].get(cols[i]), (int, float))
        table.add_column(heads[i], overflow="fold", no_wrap=widths[i] <= _WRAP_FROM,
                         min_width=min(widths[i], _WRAP_FROM),
                         justify="right" if numeric else "left")
    for row in cells:
        table.add_row(*[row[i] for i in kept])
    notes = []
    left = [heads[i] for i in range(len(cols)) if i not in kept and i not in empty]
    if left:
        notes.append(f"not shown for width: {', '.join(left)} (a wider terminal or --json "
                     "shows them)")
    blank = [heads[i] for i in empty if i not in kept]
    if blank:
        notes.append(f"empty in every row: {', '.join(blank)}")
    if notes:
        table.caption = "; ".join(notes)
    return table


@contextmanager
def _steps(title: str, total: int, quiet: bool) -> Iterator[Callable[[str], None]]:
    """A progress bar advanced once per step; silent with --json."""
    if quiet:
        yield lambda _step: None
        return
    with Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
        TextColumn("{task.fields[step]}"), TimeElapsedColumn(), console=err, transient=True,
    ) as bar:
        task = bar.add_task(title, total=total, step="")
        seen = {"n": 0}

        def advance(step: str) -> None:
            if seen["n"]:
                bar.advance(task)
            seen["n"] += 1
            bar.update(task, step=step)

        yield advance
        bar.update(task, completed=total)


def _ladder_table(stages: dict[str, int]) -> Table:
    from rapport.behavior.ladder import LADDER

    return _table([{"stage": k, "customers": stages.get(k, 0)} for k in LADDER],
                  "loyalty ladder")


def _show_plan(result: IngestResult) -> None:
    table = Table(title=f"{result.path} → {result.kind}  ({result.format}, "
                        f"{result.rows_read:,} rows)", header_style="bold")
    table.add_column("field")
    table.add_column("from column / expression")
    table.add_column("note")
    for f, col in result.mapping.items():
        table.add_row(f, col, result.notes.get(f, ""))
    err.print(table)
    if result.attributes:
        shown = ", ".join(result.attributes[:12]) + (" …" if len(result.attributes) > 12 else "")
        err.print(f"kept as attributes: {shown}")


def _fail(exc: RapportError) -> NoReturn:
    err.print(f"[bold red]Error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(1)


def _query(store: Path | None, ask: Callable[[Workspace], T]) -> T:
    """Open the store read-only, ask it one thing; errors print `Error: …` and exit 1."""
    try:
        with _workspace(store, read_only=True) as ws:
            return ask(ws)
    except RapportError as exc:
        _fail(exc)


@app.command()
def init(store: StoreOpt = None) -> None:
    """Create an empty store (or upgrade an old one) and print where it is."""
    try:
        with _workspace(store) as ws:
            out.print(f"store ready: {ws.path} (schema version {ws.schema_version})")
    except RapportError as exc:
        _fail(exc)


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="CSV/TSV/TXT, Parquet, JSON(L) or .xlsx file")],
    what: Annotated[str | None, typer.Argument(
        metavar="[KIND]", help="what the file holds: " + ", ".join(KINDS) + " (or --kind)",
        show_default=False)] = None,
    kind: Annotated[str | None, typer.Option("--kind", "-k", help=", ".join(KINDS))] = None,
    source: Annotated[str | None, typer.Option(help="name of the source (default: file name)")]
    = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", "-m", help="FIELD=COLUMN or FIELD=EXPRESSION, e.g. "
                                         "amount=Quantity*UnitPrice (repeatable)"),
    ] = None,
    on_error: Annotated[str, typer.Option(help="fail: refuse bad rows; skip: load the rest")]
    = "fail",
    mode: Annotated[str, typer.Option(help="replace or append the source's earlier rows")]
    = "replace",
    id_space: Annotated[str, typer.Option(help="id space of the file's customer ids")]
    = "default",
    date_format: Annotated[str | None, typer.Option(help="strptime format, e.g. %d/%m/%Y")]
    = None,
    rating_scale: Annotated[str | None, typer.Option(help="nps, csat, stars5, stars10, "
                                                          "binary or none")] = None,
    header: Annotated[bool | None, typer.Option("--header/--no-header",
                                                help="whether the first line names columns")]
    = None,
    delimiter: Annotated[str | None, typer.Option(help="field delimiter of a text file")] = None,
    encoding: Annotated[str | None, typer.Option(help="text encoding (detected if omitted)")]
    = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet (default: the first)")] = None,
    force: Annotated[bool, typer.Option(help="load again even if this file was loaded")]
    = False,
    dry_run: Annotated[bool, typer.Option(help="show the mapping, load nothing")] = False,
    rejects_dir: Annotated[Path | None, typer.Option(help="where rejected rows are written")]
    = None,
    as_json: JsonOpt = False,
    store: StoreOpt = None,
) -> None:
    """Load a file of customers, transactions, feedback, accounts or contacts:
    `rapport ingest FILE KIND` or `rapport ingest FILE --kind KIND`."""
    if what is not None and kind is not None and what != kind:
        _fail(InputError(f"the file's kind is given twice, as {what!r} and --kind {kind!r}; "
                         "give it once: rapport ingest FILE KIND."))
    chosen = what if what is not None else kind
    if chosen is None:
        _fail(InputError(f"say what {file.name} holds: rapport ingest {file} KIND, where KIND "
                         f"is one of {', '.join(KINDS)}."))
    try:
        with _workspace(store) as ws, _steps(f"loading {file.name}", len(STEPS), as_json) as step:
            result = ws.ingest(
                file, chosen, source=source, mapping=map_ or [], on_error=on_error, mode=mode,
                id_space=id_space, date_format=date_format, rating_scale=rating_scale,
                header=header, delimiter=delimiter, encoding=encoding, sheet=sheet,
                force=force, dry_run=dry_run, rejects_dir=rejects_dir, progress=step,
                on_plan=None if as_json else _show_plan,
            )
    except RapportError as exc:
        _fail(exc)
        return
    if as_json:
        _print_json(result.as_dict())
        return
    if result.status == "skipped":
        out.print(f"[yellow]{result.message}[/]")
        return
    out.print(result.message)
    if result.status == "loaded":
        out.print(
            f"customers: {result.customers_created:,} new, {result.customers_merged:,} merged; "
            f"{result.seconds:.2f} s"
        )


@app.command()
def status(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """What the store holds: rows per table and source, date ranges, the last loads."""
    data = _query(store, lambda ws: ws.status())
    if as_json:
        _print_json(data)
        return
    out.print(f"[bold]{data['store']}[/] (schema {data['schema_version']})")
    out.print(_table([{"table": k, "rows": v} for k, v in data["tables"].items()], "tables"))
    out.print(_table(data["sources"], "by source"))
    out.print(_table(data["last_loads"], "last loads",
                     ("ingest_id", "source", "kind", "status", "rows_loaded", "rows_rejected",
                      "finished_at")))


@app.command()
def customers(
    search: Annotated[str | None, typer.Option("--search", "-s",
                                               help="name, email, phone or id")] = None,
    stage: Annotated[str | None, typer.Option(help="a ladder stage or status, e.g. loyal, "
                                                   "at-risk, lapsed (after analyze)")] = None,
    sort: Annotated[str | None, typer.Option(help="a behaviour column to sort by, highest "
                                                  "first, e.g. clv, p_alive")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 20,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List customers, search them by name, email, phone or any id, filter by stage."""
    rows = _query(store, lambda ws: ws.customers(search=search, limit=limit, offset=offset,
                                                 stage=stage, sort=sort))
    if as_json:
        _print_json(rows)
        return
    title = "customers" + (f" matching {search!r}" if search else "") + (
        f", {stage}" if stage else "") + (f", by {sort}" if sort else "")
    # In order of priority: what a narrow terminal shows first (the sort column early).
    cols = tuple(dict.fromkeys((
        "customer_id", "name", *((sort,) if sort and rows and sort in rows[0] else ()),
        "stage", "status", "clv", "spend", "orders", "p_alive", "last_purchase", "keys",
    ))) if (stage or sort) else (
        "customer_id", "name", *(("stage", "status") if rows and "stage" in rows[0] else ()),
        "spend", "transactions", "last_purchase", "feedback", "email", "keys")
    out.print(_table(rows, title, cols))


@app.command()
def analyze(
    engine: Annotated[str, typer.Option(help="duckdb (default) or spark (rapport[spark])")]
    = "duckdb",
    as_of: Annotated[str | None, typer.Option(help="analyse the data as of this date "
                                                   "(YYYY-MM-DD); default: the latest")] = None,
    mode: Annotated[str | None, typer.Option(help="text encoder: accurate (MiniLM, default) or "
                                                  "fast (static model)")] = None,
    codebook: Annotated[Path | None, typer.Option(help="theme codebook to code with (default: "
                                                       "codebook.toml beside the store)")] = None,
    voice: Annotated[bool, typer.Option(help="run the voice stage on feedback text")] = True,
    understand: Annotated[bool, typer.Option(help="run the understanding stage (say-vs-do, "
                                                  "drivers, personas, coverage, plans)")] = True,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rebuild the derived tables: behaviour (summaries, BTYD models, CLV, loyalty ladder) and
    voice (statements, sentiment, facets, themes, vocabulary)."""
    try:
        with _workspace(store) as ws, _steps("analysing", 16, as_json) as step:
            result = ws.analyze(engine=engine, as_of=as_of, voice=voice, mode=mode,
                                codebook=codebook, understand=understand, progress=step)
    except RapportError as exc:
        _fail(exc)
        return
    if as_json:
        _print_json(result)
        return
    if "behavior" in result:
        _print_behavior(result["behavior"])
    if "voice" in result:
        from rapport.cli.voice import print_voice_run

        print_voice_run(result["voice"])
    if "understand" in result:
        from rapport.cli.understand import print_understand_run

        print_understand_run(result["understand"])


def _print_behavior(b: dict[str, Any]) -> None:
    customers = f"{b['customers']:,} customer" + ("" if b["customers"] == 1 else "s")
    buyers = f"{b['buyers']:,} buyer" + ("" if b["buyers"] == 1 else "s")
    out.print(f"behaviour of {customers} ({buyers}) as of "
              f"{str(b['observation_end'])[:10]}, on {b['engine']}, in {b['seconds']:.1f} s")
    for name, model in b["models"].items():
        params = ", ".join(f"{k}={v:.3f}" for k, v in model["fitted"]["params_"].items())
        out.print(f"  {name}: {params} (log-likelihood {model['log_likelihood']:,.1f})")
    out.print(_ladder_table(b["stages"]))
    out.print(_table([{"status": k, "customers": v} for k, v in b["statuses"].items()],
                     "status"))
    for note in b["notes"]:
        out.print(f"[yellow]note:[/] {note}")


@app.command()
def validate(
    until: Annotated[str, typer.Option(help="end of the calibration period (YYYY-MM-DD)")],
    holdout_end: Annotated[str | None, typer.Option(help="end of the holdout (default: the "
                                                         "last transaction)")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the purchase model: fit up to --until, compare with what customers bought after."""
    data = _query(store, lambda ws: ws.validate(until, holdout_end))
    if as_json:
        _print_json(data)
        return
    out.print(f"BG/NBD fitted on {data['customers']:,} customers up to "
              f"{data['calibration_end']:%Y-%m-%d}; holdout of {data['holdout_length']:.1f} "
              f"{data['time_unit']} to {data['holdout_end']:%Y-%m-%d}")
    out.print(_table(data["report"], "mean purchases per customer in the holdout, by "
                                     "purchases before it"))


@app.command()
def cohorts(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Retention by first-purchase month, and each cohort's sBG projection (after analyze)."""
    data = _query(store, lambda ws: ws.cohorts())
    if as_json:
        _print_json(data)
        return
    table = Table(title="share of each cohort buying in month k after its first purchase",
                  header_style="bold")
    width = max((len(v) for v in data["matrix"].values()), default=0)
    shown = min(width, 13)
    table.add_column("cohort")
    for k in range(shown):
        table.add_column(str(k), justify="right")
    for cohort, shares in data["matrix"].items():
        cells = ["" if v is None else f"{v:.0%}" for v in shares[:shown]]
        table.add_row(cohort[:7], *cells, *[""] * (shown - len(cells)))
    out.print(table)
    out.print(_table(data["models"], "sBG fit per cohort (share still buying after 12 and 24 "
                                     "months)",
                     ("cohort_month", "cohort_size", "months_observed", "alpha", "beta",
                      "survival_12", "survival_horizon", "note")))


@app.command()
def flows(
    start: Annotated[str, typer.Option("--from", help="first date (YYYY-MM-DD)")],
    end: Annotated[str, typer.Option("--to", help="second date (YYYY-MM-DD)")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Who moved up, slipped or was won back on the loyalty ladder between two dates."""
    data = _query(store, lambda ws: ws.flows(start, end))
    if as_json:
        _print_json({k: v for k, v in data.items() if k != "customers"} | {
            "customers": data["customers"]})
        return
    out.print(_table([{"move": k, "customers": v} for k, v in data["moves"].items()],
                     f"ladder moves {data['from']} → {data['to']}"))
    out.print(_table(data["flows"], "from stage → to stage"))
    for note in data["notes"]:
        out.print(f"[yellow]note:[/] {note}")


@app.command()
def ingests(
    limit: Annotated[int, typer.Option(min=1)] = 20,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The loads so far, newest first."""
    rows = _query(store, lambda ws: ws.ingests(limit=limit))
    if as_json:
        _print_json(rows)
        return
    out.print(_table(rows, "loads", ("ingest_id", "source", "kind", "status", "rows_read",
                                     "rows_loaded", "rows_rejected", "customers_created",
                                     "seconds", "path")))


@app.command()
def rejects(
    ingest_id: Annotated[int | None, typer.Option("--ingest", help="one load's rejects")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rows refused by loads run with --on-error skip, and why."""
    rows = _query(store, lambda ws: ws.rejects(ingest_id, limit=limit))
    if as_json:
        _print_json(rows)
        return
    out.print(_table(rows, "rejected rows"))


@app.command()
def demo(
    customers_: Annotated[int, typer.Option("--customers", min=50, max=1_000_000,
                                            help="customers to generate")] = 3000,
    seed: Annotated[int, typer.Option(help="random seed")] = 7,
    out_dir: Annotated[Path | None, typer.Option(help="where the generated files go "
                                                      "(default: demo-data beside the store)")]
    = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Generate the demo business (Northwind Roasters), load it and summarise it."""
    try:
        with _workspace(store) as ws, _steps("demo business", 5 * len(STEPS) + 16,
                                             as_json) as step:
            summary = ws.demo(customers=customers_, seed=seed, out_dir=out_dir, progress=step)
    except RapportError as exc:
        _fail(exc)
        return
    if as_json:
        _print_json(summary)
        return
    out.print(f"[bold]Northwind Roasters[/] demo written to {summary['folder']}")
    out.print(_table(summary["loads"], "loads",
                     ("kind", "status", "rows_loaded", "customers_created", "seconds")))
    tables = summary["status"]["tables"]
    out.print(
        f"{tables['customers']:,} customers, {tables['transactions']:,} transactions, "
        f"{tables['feedback']:,} pieces of feedback, {tables['accounts']:,} accounts, "
        f"{tables['contacts']:,} contacts in {summary['status']['store']}"
    )
    out.print(_ladder_table(summary["analysis"]["behavior"]["stages"]))
    if "understand" in summary["analysis"]:
        from rapport.cli.understand import print_understand_run

        print_understand_run(summary["analysis"]["understand"])
    out.print(f"ground truth for tests: {summary['ground_truth']}")


def main() -> None:
    app()


# The voice commands register themselves on `app`.
from rapport.cli import accounts as _accounts  # noqa: E402, F401
from rapport.cli import report as _report  # noqa: E402, F401
from rapport.cli import understand as _understand  # noqa: E402, F401
from rapport.cli import voice as _voice  # noqa: E402, F401
from rapport.cli import web as _web  # noqa: E402, F401
