"""Parquet: the CSV columns (render/tabular.py), typed, written in row groups as results come.

Needs pyarrow (`pip install 'cx-audit[parquet]'`) and a file (`-o FILE.parquet`): it is binary.
The file's metadata holds `cx_audit.schema_version` and `cx_audit.version`.
"""

from __future__ import annotations

from typing import IO, Any, BinaryIO

from cx_audit.errors import CxAuditError, InputError
from cx_audit.render import tabular
from cx_audit.render.records import SCHEMA_VERSION
from cx_audit.results import ConversationResult
from cx_audit.ruleset.model import Ruleset

GROUP_ROWS = 50_000  # results per row group: a few MB, and memory stays flat
MISSING = "-f parquet needs pyarrow: pip install 'cx-audit[parquet]'"


def require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise CxAuditError(MISSING) from None


class _KeepOpen:
    """The output stream as pyarrow sees it: closing the writer must not close our file."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.closed = False

    def write(self, data: bytes) -> int:
        return self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()

    def tell(self) -> int:
        return self.stream.tell()

    def close(self) -> None:
        self.closed = True
        self.stream.flush()


class ParquetSink:
    """Rows of `tabular.values()` into one Parquet file, a row group every `GROUP_ROWS`."""

    def __init__(self, stream: BinaryIO, cols: list[tuple[str, str]], group_rows: int = GROUP_ROWS):
        require_pyarrow()
        import pyarrow.parquet as pq

        from cx_audit import __version__

        self.cols = cols
        self.group_rows = group_rows
        self.schema = tabular.arrow_schema(cols).with_metadata(
            {"cx_audit.schema_version": str(SCHEMA_VERSION), "cx_audit.version": __version__}
        )
        self.writer = pq.ParquetWriter(_KeepOpen(stream), self.schema, compression="zstd")
        self.pending: list[list[Any]] = []
        self.rows = 0

    def add(self, row: list[Any]) -> None:
        self.pending.append(row)
        if len(self.pending) >= self.group_rows:
            self._flush()

    def add_frame(self, frame) -> None:
        """Rows of a `score_frame` result (same columns)."""
        import pyarrow as pa

        self._flush()
        table = pa.Table.from_pandas(frame[[name for name, _ in self.cols]], schema=self.schema, preserve_index=False)
        if table.num_rows:
            self.writer.write_table(table, row_group_size=self.group_rows)
            self.rows += table.num_rows

    def _flush(self) -> None:
        if not self.pending:
            return
        import pyarrow as pa

        data = {name: [row[i] for row in self.pending] for i, (name, _) in enumerate(self.cols)}
        self.writer.write_table(pa.Table.from_pydict(data, schema=self.schema))
        self.rows += len(self.pending)
        self.pending = []

    def close(self) -> None:
        self._flush()
        self.writer.close()


class ParquetRenderer:
    def start(self, out: IO[str], rulesets: list[Ruleset]) -> None:
        buffer = getattr(out, "buffer", None)
        if buffer is None:
            raise CxAuditError("-f parquet writes a binary file: name it with -o FILE.parquet")
        out.flush()
        self.categories = tabular.category_ids(rulesets)
        self.sink = ParquetSink(buffer, tabular.columns(rulesets))

    def result(self, result: ConversationResult) -> None:
        self.sink.add(tabular.values(result, self.categories))

    def finish(self, errors: list[InputError], summary: dict) -> None:
        self.sink.close()
