"""Cutting turn tables into partitions that never split a conversation (for `--engine dask`).

A partition is a `Piece`: a range of rows of one file. The driver plans pieces by reading only
the conversation id of every row (`plan`); a worker reads its piece into a pandas DataFrame
(`read_piece`) whose rows carry the same numbers the local loaders give them (the CSV line, the
Parquet row), so sources and errors read exactly as in a local run.

How a conversation is kept whole: for every row we know where its conversation's last row is;
a cut is made only after a row where every conversation begun so far has ended (a running
maximum of "last row of this conversation"). Rows of one conversation need not be adjacent:
the piece simply grows until they are all in it. A conversation whose rows are spread over the
whole file makes that file one piece (still correct, only less parallel). Conversations in two
different files are two conversations, as in a local run.

Readable here: Parquet, CSV and TSV (UTF-8, optionally gzipped: a .gz file is one piece) and
JSONL of flat turn rows (read with the CSV column names).
"""

from __future__ import annotations

import csv
import gzip
import sys
from dataclasses import dataclass
from typing import Any, Iterator

from cx_audit.errors import InputError
from cx_audit.inputs.base import LoadOptions
from cx_audit.inputs.delimited import detect_delimiter, map_columns
from cx_audit.inputs.files import CP1252_FALLBACK, PARQUET_MAGIC, expand_paths

PARTITION_ROWS = 100_000  # turn rows per piece, about 3,000 conversations of 30 turns
# Reserved columns of a piece frame, removed before scoring.
SOURCE, LINE, ERROR = "__cx_source__", "__cx_line__", "__cx_error__"


@dataclass(frozen=True)
class Piece:
    path: str
    kind: str  # "parquet", "csv", "jsonl"
    start: int  # parquet: first row (0-based); text: byte offset of the first record
    stop: int  # parquet: row after the last; text: byte offset after the last record (-1: to the end)
    first_line: int  # text: the line number just before the piece's first record
    header: str = ""  # text: the CSV header line
    delimiter: str = ","
    gz: bool = False


def _kind(path: str) -> str | None:
    name = path.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError:
        return None
    if magic == PARQUET_MAGIC or name.endswith((".parquet", ".parq", ".pq")):
        return "parquet"
    if name.endswith((".csv", ".tsv", ".tab")):
        return "tsv" if name.endswith((".tsv", ".tab")) else "csv"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    return None


def _cuts(ids: list[Any], target: int) -> list[int]:
    """Row positions to cut before: about every `target` rows, never inside a conversation."""
    import numpy as np
    import pandas as pd

    n = len(ids)
    if n == 0:
        return []
    codes, _ = pd.factorize(pd.Series(ids, dtype=object).replace("", None), use_na_sentinel=True)
    positions = np.arange(n)
    last = np.full(codes.max() + 1 if codes.max() >= 0 else 0, -1)
    valid = codes >= 0
    np.maximum.at(last, codes[valid], positions[valid])
    reach = np.where(valid, last[np.where(valid, codes, 0)], positions)
    safe_after = np.maximum.accumulate(reach) == positions  # no conversation spans this boundary
    cuts = []
    begin = 0
    for i in np.flatnonzero(safe_after):
        if i + 1 - begin >= target and i + 1 < n:
            cuts.append(int(i) + 1)
            begin = int(i) + 1
    return cuts


def plan(paths: list[str], options: LoadOptions, target: int = PARTITION_ROWS) -> tuple[list[Piece], list[InputError], int]:
    """Pieces in input order, the located errors of files that cannot be read, and the input count."""
    files, errors = expand_paths(paths)
    inputs = len(files) + len(errors)
    pieces: list[Piece] = []
    for path in files:
        if path == "-":
            errors.append(InputError("<stdin>", "--engine dask reads files its workers can open, not stdin"))
            continue
        kind = _kind(path)
        if kind is None:
            errors.append(InputError(path, "--engine dask reads turn tables (Parquet, CSV, TSV, JSONL); not this file"))
            continue
        try:
            if kind == "parquet":
                found, error = _plan_parquet(path, options, target)
            else:
                found, error = _plan_text(path, kind, options, target)
        except (OSError, ValueError) as err:
            found, error = [], InputError(path, f"cannot read: {err}")
        pieces.extend(found)
        if error is not None:
            errors.append(error)
    return pieces, errors, inputs


def _id_column(path: str, header: list[str], options: LoadOptions) -> tuple[int | None, InputError | None]:
    mapping, missing = map_columns(header, options)
    if missing:
        found = ", ".join(h for h in header if h) or "nothing"
        return None, InputError(path, f"missing required column(s): {', '.join(missing)}; found: {found}"
                                      " (map them with --column, e.g. --column text=Mensaje)")
    return mapping["conversation_id"], None


def _plan_parquet(path: str, options: LoadOptions, target: int) -> tuple[list[Piece], InputError | None]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
        header = table.schema_arrow.names
        index, error = _id_column(path, header, options)
        if error is not None:
            return [], error
        ids: list[Any] = []
        for batch in table.iter_batches(columns=[header[index]], batch_size=65536):
            ids.extend(batch.column(0).to_pylist())
    except (pa.ArrowException, OSError) as err:
        return [], InputError(path, f"bad Parquet: {err}")
    bounds = [0] + _cuts(ids, target) + [len(ids)]
    return [Piece(path, "parquet", a, b, 0) for a, b in zip(bounds, bounds[1:]) if b > a], None


def _open_binary(path: str, gz: bool):
    return gzip.open(path, "rb") if gz else open(path, "rb")


def _plan_text(path: str, kind: str, options: LoadOptions, target: int) -> tuple[list[Piece], InputError | None]:
    with open(path, "rb") as probe:
        magic = probe.read(4)
    gz = magic[:2] == b"\x1f\x8b"
    if magic[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return [], InputError(path, "UTF-16 text: --engine dask reads UTF-8; convert it, or score it without --engine dask")
    records = _records_jsonl if kind == "jsonl" else _records_csv
    bounds: list[tuple[int, int]] = []  # (byte offset, line) after each record
    ids: list[Any] = []
    with _open_binary(path, gz) as raw:
        header, delimiter, start = "", ",", (0, 0)
        for item in records(path, raw, kind, options):
            if isinstance(item, InputError):
                return [], item
            if item[0] == "header":
                _, header, delimiter, start = item
                continue
            _, offset, line, conversation = item
            bounds.append((offset, line))
            ids.append(conversation)
    if not ids and not header and kind != "jsonl":
        return [], InputError(path, "no header row")
    if gz:  # a gzip stream cannot be entered in the middle: the file is one piece
        return [Piece(path, kind, start[0], -1, start[1], header, delimiter, True)], None
    cuts = _cuts(ids, target)
    pieces = []
    begin = start
    for cut in cuts:
        end = bounds[cut - 1]
        pieces.append(Piece(path, kind, begin[0], end[0], begin[1], header, delimiter))
        begin = end
    pieces.append(Piece(path, kind, begin[0], -1, begin[1], header, delimiter))
    return pieces, None


class _Counting:
    """Lines of a binary stream as text, counting bytes and physical lines read so far."""

    def __init__(self, raw, offset: int = 0, line: int = 0, limit: int = -1):
        self.raw, self.offset, self.line, self.limit = raw, offset, line, limit

    def __iter__(self) -> Iterator[str]:
        for data in self.raw:
            if self.limit >= 0 and self.offset >= self.limit:
                return
            self.offset += len(data)
            self.line += 1
            text = data.decode("utf-8", errors=CP1252_FALLBACK)
            # Universal newlines, as the local loaders read text.
            yield text[:-2] + "\n" if text.endswith("\r\n") else text


def _header(lines: _Counting) -> str:
    for text in lines:
        if text.strip():
            return text.lstrip("\ufeff").rstrip("\r\n")
    return ""


def _records_csv(path: str, raw, kind: str, options: LoadOptions) -> Iterator[Any]:
    lines = _Counting(raw)
    header_line = _header(lines)
    if not header_line:
        return
    delimiter = "\t" if kind == "tsv" else detect_delimiter(header_line, ",")
    header = next(csv.reader([header_line], delimiter=delimiter), [])
    index, error = _id_column(path, [h.strip() for h in header], options)
    if error is not None:
        yield error
        return
    yield ("header", header_line, delimiter, (lines.offset, lines.line))
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        for row in reader:
            conversation = row[index].strip() if index < len(row) else ""
            yield ("row", lines.offset, lines.line, conversation)
    except csv.Error:
        return  # the piece that holds it reports it, located, as the local run does


def _records_jsonl(path: str, raw, kind: str, options: LoadOptions) -> Iterator[Any]:
    from cx_audit.inputs.jsonfmt import parse_json

    lines = _Counting(raw)
    yield ("header", "", ",", (0, 0))
    key: str | None = None
    for text in lines:
        if not text.strip():
            continue
        try:
            obj = parse_json(text)
        except ValueError:
            yield ("row", lines.offset, lines.line, "")  # reported by the piece that reads it
            continue
        if not isinstance(obj, dict):
            yield ("row", lines.offset, lines.line, "")
            continue
        if key is None:
            index, error = _id_column(path, list(obj), options)
            if error is not None:
                yield error
                return
            key = list(obj)[index]
        value = obj.get(key)
        yield ("row", lines.offset, lines.line, "" if value is None else str(value).strip())


# ---- on a worker ---------------------------------------------------------------------------------


def read_piece(piece: Piece):
    """The piece's rows as a DataFrame of text cells (plus the reserved columns)."""
    import pandas as pd

    if piece.kind == "parquet":
        return _read_parquet(piece)
    rows: list[list[str]] = []
    lines: list[int] = []
    errors: list[tuple[int, str]] = []
    header: list[str] = []
    with _open_binary(piece.path, piece.gz) as raw:
        if not piece.gz:
            raw.seek(piece.start)
        elif piece.start:
            raw.read(piece.start)
        counting = _Counting(raw, piece.start, piece.first_line, piece.stop)
        if piece.kind == "jsonl":
            header = _jsonl_rows(piece, counting, rows, lines, errors)
        else:
            header = _csv_rows(piece, counting, rows, lines, errors)
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    frame[LINE] = lines
    frame[ERROR] = None
    if errors:
        bad = pd.DataFrame({LINE: [line for line, _ in errors], ERROR: [m for _, m in errors]})
        frame = pd.concat([frame, bad], ignore_index=True).sort_values(LINE, kind="stable", ignore_index=True)
    frame[SOURCE] = piece.path
    return frame


def _csv_rows(piece: Piece, lines: _Counting, rows, numbers, errors) -> list[str]:
    header = [h.strip() for h in next(csv.reader([piece.header], delimiter=piece.delimiter), [])]
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(lines, delimiter=piece.delimiter)
    previous = piece.first_line
    width = len(header)
    try:
        for row in reader:
            line, previous = previous + 1, lines.line
            if not row or not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                if len(row) > width and not any(c.strip() for c in row[width:]):
                    row = row[:width]
                else:
                    errors.append((line, f"row has {len(row)} fields, the header has {width}; row skipped"))
                    continue
            rows.append(row)
            numbers.append(line)
    except csv.Error as err:
        where = lines.line
        errors.append((where, f"bad CSV: {err}; rest of file skipped"))
    return header


def _jsonl_rows(piece: Piece, lines: _Counting, rows, numbers, errors) -> list[str]:
    from cx_audit.inputs.jsonfmt import parse_json
    from cx_audit.inputs.table import cell_text

    objects: list[tuple[int, dict]] = []
    keys: dict[str, None] = {}
    for text in lines:
        if not text.strip():
            continue
        try:
            obj = parse_json(text)
        except ValueError as err:
            errors.append((lines.line, f"bad JSON: {err}; line skipped"))
            continue
        if not isinstance(obj, dict):
            errors.append((lines.line, "not a JSON object (a turn row); line skipped"))
            continue
        keys.update(dict.fromkeys(obj))
        objects.append((lines.line, obj))
    header = list(keys)
    for line, obj in objects:
        rows.append([cell_text(obj.get(k)) if not isinstance(obj.get(k), (dict, list)) else _json_text(obj.get(k)) for k in header])
        numbers.append(line)
    return header


def _json_text(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _read_parquet(piece: Piece):
    import pyarrow.parquet as pq

    from cx_audit.inputs.table import cell_text

    table = pq.ParquetFile(piece.path)
    offsets = [0]
    for i in range(table.metadata.num_row_groups):
        offsets.append(offsets[-1] + table.metadata.row_group(i).num_rows)
    groups = [i for i in range(len(offsets) - 1) if offsets[i + 1] > piece.start and offsets[i] < piece.stop]
    data = table.read_row_groups(groups).slice(piece.start - offsets[groups[0]], piece.stop - piece.start)
    import pandas as pd

    columns = {
        name: [v if type(v) is str else cell_text(v) for v in column.to_pylist()]
        for name, column in zip(data.column_names, data.columns)
    }
    frame = pd.DataFrame(columns, dtype=object)
    frame[LINE] = range(piece.start + 1, piece.stop + 1)
    frame[ERROR] = None
    frame[SOURCE] = piece.path
    return frame

