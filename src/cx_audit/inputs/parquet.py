"""Parquet tables of turns: the CSV loader's columns, typed, in a columnar file (needs pyarrow).

Read batch by batch (`BATCH_ROWS` rows at a time), so memory holds one batch plus the open
conversations, whatever the file's size. Rows are numbered from 1 in file order; a source or
an error reads `file.parquet:ROW`. Typed cells become the text a CSV export would hold
(`table.cell_text`), then follow the CSV loader's path exactly (`table.table_items`).
"""

from __future__ import annotations

from typing import Iterator

from cx_audit.errors import InputError
from cx_audit.inputs import registry
from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.table import cell_text, table_items

BATCH_ROWS = 8192
MISSING = "reading Parquet needs pyarrow: pip install 'cx-audit[parquet]'"


class ParquetLoader:
    name = "parquet"
    extensions = (".parquet", ".parq", ".pq")
    description = "Parquet, one row per turn, the same columns as CSV (typed: numbers, dates, nulls). Needs pyarrow."
    example = "conversation_id  turn  speaker  text\nc-001            1     Agente   Buenas tardes, le atiende Laura.\nc-001            2     Cliente  Hola"

    def sniff(self, doc: Document) -> float:
        if doc.raw is not None and doc.head.startswith("PAR1"):
            return 1.0
        return 0.3 if doc.extension in self.extensions else 0.0

    def load(self, doc: Document, options: LoadOptions) -> Iterator[LoadItem]:
        if doc.raw is None:
            yield InputError(doc.name, "not a Parquet file (it does not start with PAR1)")
            return
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            yield InputError(doc.name, MISSING)
            return
        with doc.raw() as raw:
            try:
                table = pq.ParquetFile(raw)
                header = table.schema_arrow.names
            except (pa.ArrowException, OSError, ValueError) as err:
                yield InputError(doc.name, f"bad Parquet: {err}")
                return
            failure: list[InputError] = []
            yield from table_items(doc.name, header, _rows(doc.name, table, failure), options)
            yield from failure


def _rows(name: str, table, failure: list[InputError]) -> Iterator[tuple[int, list[str]]]:
    """(row number, text cells) batch by batch; a batch that cannot be read ends the file."""
    import pyarrow as pa

    number = 0
    batches = table.iter_batches(batch_size=BATCH_ROWS)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError, ValueError) as err:
            failure.append(InputError(name, f"bad Parquet: {err}; rest of file skipped", number + 1))
            return
        columns = [[v if type(v) is str else cell_text(v) for v in col.to_pylist()] for col in batch.columns]
        for cells in zip(*columns):
            number += 1
            yield number, list(cells)


PARQUET = registry.register(ParquetLoader())
