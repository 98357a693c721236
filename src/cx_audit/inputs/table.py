"""Turn-row tables that are not CSV text: a pandas DataFrame, Parquet record batches.

The rows go through exactly what the CSV loader does with its rows: the same header mapping
(`delimited.map_columns`, so `call_id`, `role`, `message`... and `--column` work alike), the
same row checks and the same `RowStream` assembly into `Transcript`s. Only two things differ:
cells arrive typed (numbers, dates, nulls) and are turned into the text a CSV file would hold
(`cell_text`), and a row is located by its row number instead of a line number.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any, Iterable, Iterator, Sequence

from cx_audit.errors import InputError
from cx_audit.inputs.base import LoadItem, LoadOptions
from cx_audit.inputs.delimited import CSV, map_columns
from cx_audit.inputs.labels import RowStream


class _Named:
    """What the CSV row reader needs of a `Document`: its name."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


def cell_text(value: Any) -> str:
    """A typed cell as the text a CSV export would hold: null -> "", 3.0 -> "3", dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.datetime):  # pandas.Timestamp is one too
        if value != value:  # NaT
            return ""
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    try:
        if value != value:  # NaN-like nulls (pandas.NA raises here, numpy NaN does not)
            return ""
    except (TypeError, ValueError):
        return ""
    if hasattr(value, "item"):  # numpy scalars
        return cell_text(value.item())
    return str(value)


def header_problem(name: str, header: Sequence[str], options: LoadOptions) -> InputError | None:
    """The CSV loader's error for a table that lacks a required column, or None."""
    _, missing = map_columns(list(header), options)
    if not missing:
        return None
    found = ", ".join(h for h in header if h) or "nothing"
    return InputError(
        name,
        f"missing required column(s): {', '.join(missing)}; found: {found}"
        " (map them with --column, e.g. --column text=Mensaje)",
    )


def table_items(
    name: str,
    header: Sequence[str],
    rows: Iterable[tuple[int, Sequence[str]]],
    options: LoadOptions,
) -> Iterator[LoadItem]:
    """Transcripts and located errors from `rows` of text cells, each `(row number, cells)`.

    `name` is the table's name (a file path, or what the caller calls a DataFrame): errors and
    sources read `name:ROW`. Rows of a conversation need not be adjacent, within the same window
    as CSV rows (see `RowStream`).
    """
    header = [str(h).strip() for h in header]
    problem = header_problem(name, header, options)
    if problem is not None:
        yield problem
        return
    mapping, _ = map_columns(header, options)
    used = set(mapping.values())
    extras = [(i, h) for i, h in enumerate(header) if i not in used and h]
    doc = _Named(name)
    roles: dict = {}
    stream = RowStream(name, options)
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        error = CSV._row(doc, row, header, mapping, extras, number, stream, options, roles)
        if error is not None:
            yield from stream.add(number, 0, error)
        yield from stream.after_row()
    yield from stream.finish()
