"""`--map field=VALUE`: VALUE is a column name, or a small expression over columns.

Expressions allow column names (bare when they are identifiers, else in backticks or double
quotes), numbers, 'text' literals, + - * / and parentheses, and the functions concat, coalesce,
lower, upper and trim. For a numeric field the columns are read as numbers
(`amount=Quantity*UnitPrice`); for any other field + joins text (`name=first + ' ' + last`).
They compile to DuckDB SQL; nothing is evaluated in Python.
"""

from __future__ import annotations

__all__ = ["MapTarget", "compile_target", "parse_map_options"]

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapport.errors import ExpressionError, MappingError

_FUNCS = {"concat", "coalesce", "lower", "upper", "trim"}


@dataclass(frozen=True)
class MapTarget:
    """What a field is read from: one column, or an expression over several."""

    text: str  # as the user wrote it, or the inferred column
    column: str | None  # the single column, when it is one
    columns: tuple[str, ...]  # every column it reads
    sql: str  # a DuckDB expression over the source relation


def parse_map_options(options: Iterable[str]) -> dict[str, str]:
    """`["amount=Quantity*UnitPrice", "text=Review Text"]` → {field: value}."""
    out: dict[str, str] = {}
    for opt in options:
        field, sep, value = opt.partition("=")
        field, value = field.strip(), value.strip()
        if not sep or not field or not value:
            raise MappingError(
                f"--map {opt!r} is not FIELD=COLUMN: write it like --map customer_id=CustomerID "
                f"or --map amount=Quantity*UnitPrice."
            )
        out[field] = value
    return out


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def compile_target(
    field: str,
    value: str,
    columns: list[str],
    numeric: bool,
    number_sql: Callable[[str, str], str],
    dtypes: dict[str, str],
) -> MapTarget:
    """Resolve VALUE against the source's columns and compile it to SQL.

    `number_sql(column_sql, dtype)` gives the SQL that reads a column as a number.
    """
    by_lower = {c.lower(): c for c in columns}
    exact = by_lower.get(value.lower()) or by_lower.get(value.strip("`\"").lower())
    if exact is not None:
        return MapTarget(value, exact, (exact,), _quote_ident(exact))

    names: dict[str, str] = {}

    def _placeholder(m: re.Match[str]) -> str:
        key = f"__col{len(names)}__"
        names[key] = m.group(1) or m.group(2)
        return key

    src = re.sub(r"`([^`]+)`|\"([^\"]+)\"", _placeholder, value)
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError:
        raise _unknown(field, value, columns) from None
    used: list[str] = []

    def col(name: str) -> str:
        real = by_lower.get(names.get(name, name).lower())
        if real is None:
            raise _unknown(field, value, columns, names.get(name, name))
        if real not in used:
            used.append(real)
        q = _quote_ident(real)
        return number_sql(q, dtypes[real]) if numeric else f"CAST({q} AS VARCHAR)"

    def walk(node: ast.AST) -> str:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Name):
            return col(node.id)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return repr(node.value)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return "'" + node.value.replace("'", "''") + "'"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return ("-" if isinstance(node.op, ast.USub) else "+") + "(" + walk(node.operand) + ")"
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult,
                                                                 ast.Div)):
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Add) and not numeric:
                return f"concat({left}, {right})"
            if not numeric:
                raise ExpressionError(
                    f"--map {field}={value}: only + (joining text) works for a text field."
                )
            op = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}[type(node.op)]
            if op == "/":
                return f"({left}) / nullif({right}, 0)"
            return f"({left}) {op} ({right})"
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id.lower() in _FUNCS and not node.keywords):
            args = ", ".join(walk(a) for a in node.args)
            return f"{node.func.id.lower()}({args})"
        raise ExpressionError(
            f"--map {field}={value}: {ast.unparse(node)!r} is not allowed. Use column names, "
            f"numbers, 'text', + - * /, parentheses and {', '.join(sorted(_FUNCS))}()."
        )

    sql = walk(tree)
    return MapTarget(value, None, tuple(used), sql)


def _unknown(field: str, value: str, columns: list[str], name: str | None = None) -> MappingError:
    shown = ", ".join(repr(c) for c in columns[:40]) + (" …" if len(columns) > 40 else "")
    what = f"column {name!r}" if name else f"{value!r}"
    return MappingError(
        f"--map {field}={value}: {what} is not a column of the input. Its columns are: {shown}. "
        f"Quote names with spaces in backticks inside expressions: `Unit Price`*Quantity."
    )
