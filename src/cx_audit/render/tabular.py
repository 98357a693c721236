"""The CSV contract (one row per conversation) as typed columns, for DataFrames and Parquet.

Same columns, same order and the same values as `-f csv` (render/csvout.py, README "Output
formats"); only the types differ: scores are floats (null when n/a), `passed`/`auto_failed`
booleans, everything else text (null where the CSV cell is empty). CSV's spreadsheet-formula
guard is not applied: these are not read by spreadsheets.
"""

from __future__ import annotations

from typing import Any

from cx_audit.render.records import CSV_FIXED_COLUMNS, CSV_META_COLUMNS
from cx_audit.results import ConversationResult
from cx_audit.ruleset.model import Ruleset

FLOAT, BOOL, TEXT = "float", "bool", "text"


def category_ids(rulesets: list[Ruleset]) -> list[str]:
    """The category columns, in the order the CSV renderer writes them."""
    return list(dict.fromkeys(c for rs in rulesets for c in rs.categories))


def columns(rulesets: list[Ruleset]) -> list[tuple[str, str]]:
    """(name, kind) of every column, in CSV order."""
    fixed = {"score": FLOAT, "passed": BOOL, "auto_failed": BOOL}
    head = [(name, fixed.get(name, TEXT)) for name in CSV_FIXED_COLUMNS]
    cats = [(cid, FLOAT) for cid in category_ids(rulesets)]
    return head + cats + [("failed_rules", TEXT)] + [(name, TEXT) for name in CSV_META_COLUMNS]


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def values(result: ConversationResult, categories: list[str]) -> list[Any]:
    """One result as typed values in column order (`columns()`)."""
    r = result
    cats = [_float(r.categories[c].score) if c in r.categories else None for c in categories]
    meta = [_text(r.metadata.get(k)) for k in CSV_META_COLUMNS]
    return (
        [_text(r.conversation_id), _text(r.source), _text(r.agent), _text(r.language), _text(r.ruleset)]
        + [_float(r.score), bool(r.passed), bool(r.auto_failed)]
        + cats
        + [_text(" ".join(dict.fromkeys(r.failed_rules)))]
        + meta
    )


def pandas_frame(cols: list[tuple[str, str]], rows: list[list[Any]]):
    """A DataFrame of `rows` with one dtype per kind: float64, bool, and pandas' string dtype."""
    import pandas as pd

    dtypes = {FLOAT: "float64", BOOL: "bool", TEXT: pd.StringDtype()}
    data = {}
    for i, (name, kind) in enumerate(cols):
        column = [row[i] for row in rows]
        if kind == FLOAT:
            column = [float("nan") if v is None else v for v in column]
        data[name] = pd.array(column, dtype=dtypes[kind])
    return pd.DataFrame(data, columns=[name for name, _ in cols])


def arrow_schema(cols: list[tuple[str, str]]):
    import pyarrow as pa

    types = {FLOAT: pa.float64(), BOOL: pa.bool_(), TEXT: pa.string()}
    return pa.schema([pa.field(name, types[kind], nullable=kind != BOOL) for name, kind in cols])
