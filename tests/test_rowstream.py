"""Conversations assembled from rows (CSV, JSONL turn rows) stream out in document order, with at
most ROW_WINDOW open at once; a row that comes too late is reported where it is, and counted."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from cx_audit.errors import InputError
from cx_audit.inputs import InputStats, LoadOptions, read_inputs
from cx_audit.inputs import labels
from cx_audit.inputs.labels import ROW_WINDOW, ClosedIds
from cx_audit.model import Transcript


def _rows_file(tmp_path: Path, kind: str, rows: list[tuple[str, str, str] | None]) -> str:
    """A CSV or JSONL file of (conversation id, speaker, text) rows, one per line after the header;
    None is a bad row."""
    if kind == "csv":
        path = tmp_path / "rows.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["conversation_id", "speaker", "text"])
            writer.writerows(row or ("x", "agent", "") for row in rows)  # None: a row without text
    else:
        path = tmp_path / "rows.jsonl"
        path.write_text("".join((json.dumps({"conversation_id": r[0], "speaker": r[1], "text": r[2]}) if r else "{broken") + "\n"
                                for r in rows), encoding="utf-8")  # None: a line that is not JSON
    return str(path)


def _read(path: str) -> tuple[list, InputStats]:
    stats = InputStats()
    return list(read_inputs([path], LoadOptions(), stats)), stats


def _line(kind: str, row_index: int) -> int:
    """The file line of the row_index-th row (0-based): CSV has a header line."""
    return row_index + (2 if kind == "csv" else 1)


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_rows_of_a_conversation_apart_within_the_window_are_assembled_in_document_order(tmp_path, kind):
    path = _rows_file(tmp_path, kind, [
        ("a", "agent", "Hola, soy Laura."),
        ("b", "agent", "Buenas tardes."),
        ("a", "customer", "Mi pedido no llega."),
        ("c", "customer", "Quiero darme de baja."),
        ("b", "customer", "Tengo un problema."),
        ("a", "agent", "Lo reviso ahora mismo."),
    ])
    items, stats = _read(path)
    assert [t.conversation_id for t in items] == ["a", "b", "c"]  # in the order they start
    assert [[turn.text for turn in t.turns] for t in items] == [
        ["Hola, soy Laura.", "Mi pedido no llega.", "Lo reviso ahora mismo."],
        ["Buenas tardes.", "Tengo un problema."],
        ["Quiero darme de baja."],
    ]
    assert stats.conversations == 3 and stats.errors == 0


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_an_error_comes_out_where_it_is_among_the_conversations(tmp_path, kind):
    path = _rows_file(tmp_path, kind, [
        ("a", "agent", "Hola, soy Laura."),
        None,  # a bad row: an error on this line
        ("b", "agent", "Buenas tardes."),
        ("a", "customer", "Gracias."),
    ])
    items, stats = _read(path)
    assert [type(i).__name__ for i in items] == ["Transcript", "InputError", "Transcript"]
    assert items[1].line == _line(kind, 1) and items[1].source == path
    assert [i.conversation_id for i in items if isinstance(i, Transcript)] == ["a", "b"]
    assert len(items[0].turns) == 2 and stats.conversations == 2 and stats.errors == 1


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_a_row_later_than_the_window_is_a_located_error_and_the_counts_add_up(tmp_path, kind, packed, monkeypatch):
    if packed:  # yielded ids packed as hashes at once, as they are after CLOSED_RECENT conversations
        monkeypatch.setattr(labels, "CLOSED_RECENT", 0)
    others = [(f"c{i:04d}", "agent", f"Hola {i}.") for i in range(ROW_WINDOW + 1)]
    rows = [("late", "agent", "Hola, soy Laura.")] + others + [("late", "customer", "¿Sigue ahí?"), ("c0000", "customer", "Adiós.")]
    items, stats = _read(_rows_file(tmp_path, kind, rows))
    errors = [i for i in items if isinstance(i, InputError)]
    transcripts = [i for i in items if isinstance(i, Transcript)]
    # "late" closed when the 1,001st conversation after it opened: its next row is reported and
    # skipped; by then c0000 is the oldest of 1,001 open and closes too, so its row is late as well.
    assert len(errors) == 2 and errors[0].line == _line(kind, ROW_WINDOW + 2)
    assert "row of conversation 'late', which was scored already" in errors[0].message
    assert errors[1].line == _line(kind, ROW_WINDOW + 3) and "row of conversation 'c0000'" in errors[1].message
    assert len(transcripts[1].turns) == 1
    assert transcripts[0].conversation_id == "late" and [t.text for t in transcripts[0].turns] == ["Hola, soy Laura."]
    assert [t.conversation_id for t in transcripts] == ["late"] + [c for c, _, _ in others]  # document order
    assert stats.conversations == len(transcripts) == ROW_WINDOW + 2
    assert stats.errors == len(errors) and len(items) == stats.conversations + stats.errors
    assert sum(len(t.turns) for t in transcripts) + len(errors) == len(rows)  # every row used or reported


def test_yielded_ids_are_remembered_exactly_after_packing():
    closed = ClosedIds(recent=100)
    ids = [f"conv-{i}" for i in range(1000)] + ["ñandú", "\udcff-surrogate", ""]
    for cid in ids:
        closed.add(cid)
    assert len(closed.packed) > 900 and len(closed) == len(ids)  # most are packed, none lost
    assert list(closed.packed) == sorted(closed.packed)
    assert all(cid in closed for cid in ids)
    assert not any(f"conv-{i}" in closed for i in range(1000, 3000))
    assert "conv-" not in closed and "ñandu" not in closed
