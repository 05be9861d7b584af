"""Read any supported input into a temporary DuckDB relation `_src` with a `__row` column.

Files: CSV/TSV and other delimited text, whitespace-separated text, Parquet, JSON and JSON
Lines, Excel .xlsx (through openpyxl). Tables: pandas, polars or Arrow. Text files are checked
for their encoding (UTF-8, UTF-8 with BOM, else cp1252 / latin-1, transcoded to UTF-8), their
delimiter and whether the first line is a header. `__row` numbers data rows from 1 in file order.
"""

from __future__ import annotations

__all__ = ["SourceInfo", "drop_source", "read_source"]

import codecs
import csv
import hashlib
import io
import re
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from rapport.errors import InputError
from rapport.ingest.sqltools import drop_temp
from rapport.ingest.sqltools import ident as _q
from rapport.ingest.sqltools import lit as _lit

_TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".dat", ".psv", ""}
_JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_SAMPLE_BYTES = 1 << 16


@dataclass
class SourceInfo:
    """What was read: where from, how, its columns and their DuckDB types."""

    path: str  # shown in messages: the file path, or '<pandas table>'
    sha256: str
    format: str  # e.g. "CSV (';'-delimited, header, cp1252)"
    columns: list[str]
    dtypes: dict[str, str]
    rows: int
    cleanup: list[Path] = field(default_factory=list)
    is_view: bool = False  # `_src` reads the file directly (Parquet): nothing is copied
    typed: bool = False  # a typed source (Parquet, a table): strings are kept as given


def read_source(
    con: duckdb.DuckDBPyConnection,
    data: Any,
    *,
    header: bool | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> SourceInfo:
    """Create the temp view `_src` (the input's columns plus `__row`) and describe it."""
    drop_source(con)
    if isinstance(data, (str, Path)):
        info = _read_path(con, Path(data), header, delimiter, encoding, sheet)
    else:
        info = _read_frame(con, data)
    if not info.is_view:
        con.execute("CREATE TEMP VIEW _src AS SELECT *, rowid + 1 AS __row FROM _src_data")
    described = [r for r in con.execute("DESCRIBE _src").fetchall() if r[0] != "__row"]
    info.columns = [r[0] for r in described]
    info.dtypes = {r[0]: str(r[1]) for r in described}
    count = con.execute("SELECT count(*) FROM _src").fetchone()
    info.rows = int(count[0]) if count else 0
    if info.rows == 0:
        drop_source(con)
        raise InputError(
            f"{info.path} is empty: it has no data rows. Check that you exported the data "
            f"(not only the header) and that the file is the one you meant."
        )
    return info


def drop_source(con: duckdb.DuckDBPyConnection) -> None:
    drop_temp(con, "_src", "_src_data", "_src_lines", "_src_tmp")


def _read_frame(con: duckdb.DuckDBPyConnection, data: Any) -> SourceInfo:
    table = _to_arrow(data)
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    digest = hashlib.sha256(sink.getvalue()).hexdigest()
    con.register("_src_arrow", table)
    try:
        con.execute("CREATE TEMP TABLE _src_data AS SELECT * FROM _src_arrow")
    finally:
        con.unregister("_src_arrow")
    kind = type(data).__module__.split(".")[0]
    return SourceInfo(f"<{kind} table>", digest, f"{kind} table", [], {}, 0, typed=True)


def _to_arrow(data: Any) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    module = type(data).__module__
    if module.startswith("pandas"):
        return pa.Table.from_pandas(data, preserve_index=False)
    if module.startswith("polars"):
        arrow: pa.Table = data.to_arrow()
        return arrow
    raise InputError(
        f"cannot ingest a {type(data).__name__}: pass a file path, or a pandas, polars or "
        f"Arrow table."
    )


def _read_path(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    header: bool | None,
    delimiter: str | None,
    encoding: str | None,
    sheet: str | None,
) -> SourceInfo:
    shown = str(path)
    if not path.exists():
        raise InputError(f"{shown} does not exist. Check the path (it is read from {Path.cwd()}).")
    if path.is_dir():
        raise InputError(f"{shown} is a folder; pass one file.")
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise InputError(f"{shown} is empty (0 bytes). Export the data again.")
    if suffix in _PARQUET_SUFFIXES:
        digest = _sha256(path)
        try:
            con.execute(
                f"CREATE TEMP VIEW _src AS SELECT * EXCLUDE (file_row_number), "
                f"file_row_number + 1 AS __row FROM read_parquet({_lit(str(path))}, "
                f"file_row_number = true)"
            )
            con.execute("SELECT * FROM _src LIMIT 0")
        except duckdb.Error as exc:
            drop_temp(con, "_src")
            raise InputError(f"{shown} is not a readable Parquet file: {exc}") from None
        return SourceInfo(shown, digest, "Parquet", [], {}, 0, is_view=True, typed=True)
    if suffix in _EXCEL_SUFFIXES:
        return _read_excel(con, path, sheet, header)
    if suffix in _JSON_SUFFIXES:
        digest = _sha256(path)
        try:
            con.execute(
                f"CREATE TEMP TABLE _src_data AS SELECT * FROM read_json_auto({_lit(str(path))})"
            )
        except duckdb.Error as exc:
            raise InputError(
                f"{shown} is not readable JSON or JSON Lines: {exc}. Each record must be an "
                f"object; a file may hold one array of objects or one object per line."
            ) from None
        fmt = "JSON Lines" if suffix in (".jsonl", ".ndjson") else "JSON"
        return SourceInfo(shown, digest, fmt, [], {}, 0)
    if suffix in {".xls", ".xlsb", ".ods"}:
        raise InputError(f"{shown}: {suffix} files cannot be read; save the sheet as .xlsx or CSV.")
    if suffix not in _TEXT_SUFFIXES:
        raise InputError(
            f"{shown}: unknown file type {suffix!r}. Rapport reads .csv, .tsv, .txt, .parquet, "
            f".json, .jsonl and .xlsx; rename the file if it is one of those."
        )
    return _read_text(con, path, header, delimiter, encoding)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _transcode(path: Path, encoding: str) -> Path:
    out = Path(tempfile.mkstemp(prefix="rapport-", suffix=".csv")[1])
    with path.open("r", encoding=encoding, newline="") as src, out.open(
        "w", encoding="utf-8", newline=""
    ) as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    return out


def _legacy_encoding(path: Path) -> str:
    """cp1252 when every byte decodes as cp1252 (it has € and smart quotes), else latin-1."""
    decoder = codecs.getincrementaldecoder("cp1252")()
    with path.open("rb") as f:
        try:
            while chunk := f.read(1 << 22):
                decoder.decode(chunk)
        except UnicodeDecodeError:
            return "latin-1"
    return "cp1252"


def _read_text(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    header: bool | None,
    delimiter: str | None,
    encoding: str | None,
) -> SourceInfo:
    shown = str(path)
    # the hash runs beside DuckDB's read (hashlib releases the GIL)
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(_sha256, path)
        info = _read_text_as(con, path, shown, header, delimiter, encoding)
        info.sha256 = digest.result()
    return info


def _read_text_as(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    shown: str,
    header: bool | None,
    delimiter: str | None,
    encoding: str | None,
) -> SourceInfo:
    with path.open("rb") as f:
        head = f.read(_SAMPLE_BYTES)
    bom = head.startswith(b"\xef\xbb\xbf")
    cleanup: list[Path] = []
    read_path = path
    name = (encoding or "").lower().replace("_", "-")
    if encoding and name not in ("utf-8", "utf8", "utf-8-sig"):
        read_path = _transcode(path, encoding)
        cleanup.append(read_path)
    else:
        encoding = "utf-8-sig" if bom else "utf-8"
    for attempt in (1, 2):
        sample = read_path.open("rb").read(_SAMPLE_BYTES).decode("utf-8-sig", errors="replace")
        if len(sample) >= _SAMPLE_BYTES // 2 and "\n" in sample:
            sample = sample[: sample.rfind("\n") + 1]
        lines = [ln for ln in sample.splitlines() if ln.strip()]
        if not lines:
            raise InputError(f"{shown} holds no data: every line is blank.")
        sep = delimiter or _sniff_delimiter(sample, lines)
        try:
            if sep == "whitespace":
                first = lines[0].split()
                if header is None:
                    header = not any(_looks_like_value(v) for v in first)
                _read_whitespace(con, read_path, shown, header, first)
                fmt_name = "whitespace-separated text"
            else:
                rows = _csv_rows(sample, sep)
                if header is None:
                    header = bool(rows) and not any(_looks_like_value(v) for v in rows[0])
                width = max((len(r) for r in rows[:20]), default=1)
                names = rows[0] if header and rows else []
                _read_delimited(con, read_path, shown, sep, header, names, width)
                labels = {",": "CSV", "\t": "TSV", ";": "';'-separated text",
                          "|": "'|'-separated text"}
                fmt_name = labels.get(sep, f"{sep!r}-separated text")
            break
        except _NotUtf8:
            if attempt == 2 or encoding not in ("utf-8", "utf-8-sig"):
                raise InputError(
                    f"{shown} is not valid {encoding} text; pass --encoding (e.g. cp1252)."
                ) from None
            drop_source(con)
            encoding = _legacy_encoding(path)
            read_path = _transcode(path, encoding)
            cleanup.append(read_path)
    fmt = f"{fmt_name}, {'header line' if header else 'no header'}, {encoding}"
    return SourceInfo(shown, "", fmt, [], {}, 0, cleanup)


class _NotUtf8(Exception):
    """DuckDB found bytes that are not UTF-8: the file needs transcoding."""


def _duckdb_read(con: duckdb.DuckDBPyConnection, sql: str, shown: str, what: str) -> None:
    try:
        con.execute(sql)
    except duckdb.Error as exc:
        text = str(exc)
        if "Invalid unicode" in text or "not utf-8" in text.lower():
            raise _NotUtf8 from None
        msg = text.split("\n\nPossible")[0]
        raise InputError(
            f"{shown} could not be read as {what}: {msg}\nCheck that every row has the same "
            f"number of fields and that quotes are balanced, or pass --delimiter."
        ) from None


def _csv_rows(sample: str, delimiter: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(sample), delimiter=delimiter))
    return [r for r in rows if any(c.strip() for c in r)][:50]


def _sniff_delimiter(sample: str, lines: list[str]) -> str:
    best: tuple[float, int, str] | None = None
    for d in (",", "\t", ";", "|"):
        rows = _csv_rows(sample, d)
        if len(rows) > 2:
            rows = rows[:-1]  # the last row of a cut sample may be partial
        counts = Counter(len(r) for r in rows)
        width, hits = counts.most_common(1)[0] if counts else (1, 0)
        if width < 2:
            continue
        score = (hits / max(len(rows), 1), width, d)
        if score[0] >= 0.9 and (best is None or score[:2] > best[:2]):
            best = score
    if best is not None:
        return best[2]
    widths = Counter(len(ln.split()) for ln in lines[:50])
    width, hits = widths.most_common(1)[0]
    if width > 1 and hits / min(len(lines), 50) >= 0.9:
        return "whitespace"
    return ","


_VALUE_RE = re.compile(
    r"^[-+(]?[$€£]?\s*\d[\d.,:/\- ]*\)?$|^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?$"
)


def _looks_like_value(cell: str) -> bool:
    """A number or a date: something a header line would not hold."""
    return bool(_VALUE_RE.match(cell.strip())) if cell.strip() else False


def _read_delimited(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    shown: str,
    delimiter: str,
    header: bool,
    names: list[str],
    width: int,
) -> None:
    """Read every field as text, with the column names settled here (no second sniffing)."""
    width = max(width, len(names))
    cols = _unique([(names[i].strip() if i < len(names) else "") or f"column{i + 1}"
                    for i in range(width)])
    columns = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in cols) + "}"
    opts = (
        f"columns={columns}, delim={_lit(delimiter)}, header={str(header).lower()}, "
        f"quote='\"', escape='\"', auto_detect=false"
    )
    _duckdb_read(
        con, f"CREATE TEMP TABLE _src_data AS SELECT * FROM read_csv({_lit(str(path))}, {opts})",
        shown, f"{delimiter!r}-delimited text",
    )


def _unique(names: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for n in names:
        while n.lower() in seen:
            n += "_"
        seen.add(n.lower())
        out.append(n)
    return out


def _read_whitespace(
    con: duckdb.DuckDBPyConnection, path: Path, shown: str, header: bool, first: list[str]
) -> None:
    _duckdb_read(
        con,
        f"CREATE TEMP TABLE _src_lines AS SELECT line FROM read_csv({_lit(str(path))}, "
        f"columns={{'line': 'VARCHAR'}}, delim='\\x1f', header=false, quote='', escape='', "
        f"auto_detect=false) WHERE trim(line) <> ''",
        shown, "whitespace-separated text",
    )
    width = len(first)
    unique = _unique(first if header else [f"column{i + 1}" for i in range(width)])
    offset = 1 if header else 0
    parts = "string_split_regex(trim(line), '\\s+')"
    bad = con.execute(
        f"SELECT rowid + 1 - {offset}, line FROM _src_lines WHERE rowid >= {offset} "
        f"AND len({parts}) <> {width} ORDER BY rowid LIMIT 1"
    ).fetchone()
    if bad:
        raise InputError(
            f"{shown}, row {bad[0]}: {bad[1].strip()!r} has a different number of fields than "
            f"the first line ({width}). Fix the row, or export the file with a delimiter."
        )
    cols = ", ".join(f"{parts}[{i + 1}] AS {_q(n)}" for i, n in enumerate(unique))
    con.execute(
        f"CREATE TEMP TABLE _src_data AS SELECT {cols} FROM _src_lines WHERE rowid >= {offset} "
        f"ORDER BY rowid"
    )


def _read_excel(
    con: duckdb.DuckDBPyConnection, path: Path, sheet: str | None, header: bool | None
) -> SourceInfo:
    import openpyxl

    shown = str(path)
    digest = _sha256(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise InputError(f"{shown} is not a readable .xlsx workbook: {exc}") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(
                f"{shown} has no sheet {sheet!r}; its sheets are {', '.join(book.sheetnames)}."
            )
        ws = book[sheet] if sheet else book.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        book.close()
    rows = [r for r in rows if any(v is not None and str(v).strip() != "" for v in r)]
    if not rows:
        raise InputError(f"{shown} is empty: its sheet {ws.title!r} has no rows.")
    width = max(len(r) for r in rows)
    first = [("" if v is None else str(v)) for v in rows[0]] + [""] * (width - len(rows[0]))
    if header is None:
        header = all(isinstance(v, str) or v is None for v in rows[0]) and not any(
            _looks_like_value(v) for v in first
        )
    names = first if header else [f"column{i + 1}" for i in range(width)]
    names = [n.strip() or f"column{i + 1}" for i, n in enumerate(names)]
    body = rows[1:] if header else rows
    arrays = []
    for i in range(width):
        values = [r[i] if i < len(r) else None for r in body]
        kinds = {type(v) for v in values if v is not None}
        if len(kinds) > 1 or kinds & {str}:
            values = [None if v is None else str(v) for v in values]
        arrays.append(pa.array(values))
    table = pa.table(arrays, names=names)
    con.register("_src_arrow", table)
    try:
        con.execute("CREATE TEMP TABLE _src_data AS SELECT * FROM _src_arrow")
    finally:
        con.unregister("_src_arrow")
    return SourceInfo(shown, digest, f"Excel sheet {ws.title!r}", [], {}, 0)
