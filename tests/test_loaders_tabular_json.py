"""CSV/TSV and JSON/JSONL loaders, and reading a mixed folder end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cx_audit.errors import InputError
from cx_audit.inputs import InputStats, LoadOptions, read_inputs
from cx_audit.inputs.files import open_document
from cx_audit.inputs.registry import sniff
from cx_audit.model import AGENT, BOT, CUSTOMER, UNKNOWN, Transcript

DATA = Path(__file__).parent / "data" / "loaders"


def load(paths: list[Path | str], options: LoadOptions | None = None) -> tuple[list[Transcript], list[InputError], InputStats]:
    stats = InputStats()
    items = list(read_inputs([str(p) for p in paths], options or LoadOptions(), stats))
    return (
        [i for i in items if isinstance(i, Transcript)],
        [i for i in items if isinstance(i, InputError)],
        stats,
    )


def by_id(transcripts: list[Transcript]) -> dict[str, Transcript]:
    return {t.conversation_id: t for t in transcripts}


# --- CSV / TSV ---------------------------------------------------------------------------------


def test_csv_groups_sorts_and_reports_bad_rows_with_their_line():
    transcripts, errors, stats = load([DATA / "conversaciones.csv"])
    # Conversations in order of first appearance, even though c-001's rows are not contiguous.
    assert [t.conversation_id for t in transcripts] == ["c-001", "c-002", "c-003"]
    c1, c2, c3 = transcripts
    assert c1.format == "csv"
    assert c1.source.endswith("conversaciones.csv:2")
    assert c2.source.endswith("conversaciones.csv:3")
    # Sorted by the turn column; the quoted two-line cell stays one turn.
    assert [t.role for t in c1.turns] == [AGENT, CUSTOMER, AGENT]
    assert c1.turns[1].text.split() == ["Hola,", "tengo", "una", "factura", "duplicada."]
    assert [t.start for t in c1.turns] == [0.0, 5.5, 12.0]  # seconds, "5.5", "00:12"
    assert c1.turns[0].speaker == "Laura" and c1.turns[1].speaker == "Cliente"
    assert c1.metadata == {"agent": "Laura", "team": "Facturación", "queue": "", "date": "2026-01-05", "csat": "4"}
    assert c1.channel == "voice"
    assert c2.turns[0].start == 1.0 and c2.metadata["csat"] == "2"  # first non-empty value

    assert [(e.line, e.message.split(";")[0]) for e in errors] == [
        (8, "row has 9 fields, the header has 11"),
        (10, "empty conversation id (column 'conversation_id')"),
        (11, "empty text (column 'text')"),
    ]
    assert all(e.source.endswith("conversaciones.csv") for e in errors)
    # c-003 lost its ragged first row and its empty row, and still loads.
    assert [(t.role, t.text) for t in c3.turns] == [(CUSTOMER, "Buenas"), (AGENT, "¿Algo más?")]
    assert (stats.inputs, stats.conversations, stats.errors) == (1, 3, 3)


def test_csv_with_mapped_columns_semicolons_and_timestamps():
    options = LoadOptions(columns={"conversation_id": "Llamada", "speaker": "Hablante", "text": "Mensaje", "timestamp": "Fecha y hora"})
    [t], errors, _ = load([DATA / "mapeado.csv"], options)
    assert errors == []
    assert t.conversation_id == "A1"
    assert [t_.role for t_ in t.turns] == [AGENT, CUSTOMER, AGENT]
    assert t.metadata["date"] == "2026-02-01"  # date part of the first timestamp
    assert [t_.start for t_ in t.turns] == [0.0, 12.0, 20.0]  # offsets from the first timestamp


def test_csv_missing_columns_is_one_error_naming_what_was_found():
    transcripts, errors, stats = load([DATA / "mapeado.csv"])
    assert transcripts == []
    [error] = errors
    assert error.source.endswith("mapeado.csv")
    for name in ("conversation_id", "speaker", "text", "Llamada", "Hablante", "Mensaje"):
        assert name in error.message
    assert (stats.conversations, stats.errors) == (0, 1)


def test_csv_mapping_to_a_column_that_is_not_there():
    options = LoadOptions(columns={"text": "cuerpo"})
    _, [error], _ = load([DATA / "conversaciones.csv"], options)
    assert "text (mapped to 'cuerpo')" in error.message


def test_csv_role_and_speaker_columns_give_role_and_name(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "ticket_id,seq,speaker,role,body\nT1,2,Ana López,customer,Gracias\nT1,1,Pedro,agent,Hola\nT1,10,Pedro,agent,Adiós\n",
        encoding="utf-8",
    )
    [t], errors, _ = load([path])
    assert errors == []
    # Numeric sort: 1, 2, 10 (not "1", "10", "2").
    assert [(x.role, x.speaker, x.text) for x in t.turns] == [
        (AGENT, "Pedro", "Hola"), (CUSTOMER, "Ana López", "Gracias"), (AGENT, "Pedro", "Adiós"),
    ]
    assert t.metadata["agent"] == "Pedro"


def test_csv_unknown_speaker_values_and_role_map(tmp_path):
    path = tmp_path / "diarized.csv"
    path.write_text("call_id,speaker,text\nk1,spk_0,Hello\nk1,spk_1,Hi\n", encoding="utf-8")
    [t], _, _ = load([path])
    assert [x.role for x in t.turns] == [UNKNOWN, UNKNOWN]
    [t], _, _ = load([path], LoadOptions(role_map={"spk_0": "agent", "spk_1": "customer"}))
    assert [(x.role, x.role_source) for x in t.turns] == [(AGENT, "map"), (CUSTOMER, "map")]


def test_tsv_by_extension_and_by_content():
    [t], errors, _ = load([DATA / "chats.tsv"])
    assert errors == [] and t.format == "tsv"
    assert [x.role for x in t.turns] == [BOT, CUSTOMER, AGENT]
    assert t.metadata["queue"] == "ventas" and t.metadata["date"] == "2026-03-02"
    assert [x.start for x in t.turns] == [0.0, 5.0, 60.0]


def test_sniff_csv_without_extension():
    doc, _, _ = open_document(str(DATA / "sin_extension_csv"))
    assert sniff(doc).name == "csv"
    [t], _, _ = load([DATA / "sin_extension_csv"])
    assert t.conversation_id == "X1" and [x.role for x in t.turns] == [AGENT, CUSTOMER]


def test_csv_bom_and_cp1252(tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffconversation_id,speaker,text\nb1,Agente,Hola\n".encode("utf-8"))
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes("conversation_id;speaker;text\nw1;Cliente;Quiero la facturaci\xf3n\n".encode("cp1252"))
    transcripts, errors, stats = load([bom, legacy])
    assert errors == []
    assert by_id(transcripts)["b1"].turns[0].role == AGENT
    assert by_id(transcripts)["w1"].turns[0].text == "Quiero la facturación"
    assert len(stats.warnings) == 1 and "legacy.csv" in stats.warnings[0]


# --- JSON / JSONL ------------------------------------------------------------------------------


def test_json_list_with_bad_records():
    transcripts, errors, stats = load([DATA / "transcripts.json"])
    j1, j2 = transcripts
    assert j1.conversation_id == "J-1" and j1.source.endswith("transcripts.json#1")
    assert j1.format == "json"
    assert [(t.role, t.speaker) for t in j1.turns] == [(AGENT, "Laura"), (CUSTOMER, "customer"), (AGENT, "Laura")]
    assert j1.turns[0].start == 1.5  # start_ms / 1000
    assert (j1.turns[1].start, j1.turns[1].end) == (4.0, 6.5)
    assert j1.channel == "chat" and j1.language == "es"
    assert j1.metadata == {"agent": "Laura", "team": "Retención", "queue": "bajas", "date": "2026-01-08", "csat": 5}
    # No id in a list of several: the file stem and the record number.
    assert j2.conversation_id == "transcripts#2"
    assert [t.role for t in j2.turns] == [CUSTOMER, AGENT]
    assert j2.metadata["agent"] == "Sam" and j2.channel == "email" and j2.language == "en"

    messages = [e.message for e in errors]
    assert messages[0].startswith("record 2: turn 3:")
    assert messages[1] == "record 3: expected a transcript object, found a number"
    assert messages[2].startswith("record 4: no turns")
    assert (stats.conversations, stats.errors) == (2, 3)


def test_json_single_object_and_conversations_wrapper(tmp_path):
    single = tmp_path / "one.json"
    single.write_text('{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}', encoding="utf-8")
    transcripts, errors, _ = load([single, DATA / "una.json"])
    one, wrapped = sorted(transcripts, key=lambda t: t.conversation_id != "one")  # files are read in path order
    assert one.conversation_id == "one" and one.source.endswith("one.json")
    assert [t.role for t in one.turns] == [CUSTOMER, UNKNOWN]
    assert wrapped.conversation_id == "U-1"
    assert [t.role for t in wrapped.turns] == [AGENT, CUSTOMER]
    assert errors == []


def test_truncated_json_reports_the_line():
    transcripts, [error], stats = load([DATA / "truncado.json"])
    assert transcripts == []
    assert error.line == 6 and error.message.startswith("invalid JSON")
    assert (stats.conversations, stats.errors) == (0, 1)


def test_json_wrong_shape(tmp_path):
    path = tmp_path / "n.json"
    path.write_text("42", encoding="utf-8")
    _, [error], _ = load([path], LoadOptions(input_format="json"))
    assert error.message == "expected a transcript object or a list of them, found a number"


def test_jsonl_both_shapes_and_a_bad_line():
    transcripts, errors, stats = load([DATA / "filas.jsonl"])
    assert [t.conversation_id for t in transcripts] == ["L-1", "L-2", "L-3"]
    l1, l2, l3 = transcripts
    assert l1.format == "jsonl" and l1.source.endswith("filas.jsonl:1")
    assert [(t.role, t.text, t.start) for t in l1.turns] == [(AGENT, "Hi, Sam here.", 0.0), (CUSTOMER, "My package is late.", 3.5)]
    assert l1.metadata["agent"] == "Sam" and l1.metadata["date"] == "2026-01-09"
    # Line 5 is broken; the row on line 6 still joins L-2.
    assert [t.text for t in l2.turns] == ["Hola, soy Ana.", "Tengo una duda."]
    assert [t.role for t in l3.turns] == [BOT, CUSTOMER] and l3.channel == "chat"
    assert [e.line for e in errors] == [5, 7, 8]
    assert errors[0].message.startswith("invalid JSON")
    assert (stats.conversations, stats.errors) == (3, 3)


def test_jsonl_named_json_still_loads(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(
        '{"chat_id": "z", "sender": "agent", "message": "hola"}\n{"chat_id": "z", "sender": "cliente", "message": "buenas"}\n',
        encoding="utf-8",
    )
    [t], errors, _ = load([path])
    assert errors == [] and [x.role for x in t.turns] == [AGENT, CUSTOMER]


def test_sniff_json_and_jsonl_without_extension(tmp_path):
    jsonl = tmp_path / "export_a"
    shutil.copy(DATA / "filas.jsonl", jsonl)
    json_ = tmp_path / "export_b"
    shutil.copy(DATA / "transcripts.json", json_)
    assert sniff(open_document(str(jsonl))[0]).name == "jsonl"
    assert sniff(open_document(str(json_))[0]).name == "json"


# --- end to end --------------------------------------------------------------------------------


def test_read_inputs_over_a_mixed_folder_counts_add_up(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("conversaciones.csv", "chats.tsv", "transcripts.json", "truncado.json", "filas.jsonl",
                 "llamada_factura.txt", "english_call.txt.gz", "sin_etiquetas.txt", "cp1252.txt"):
        shutil.copy(DATA / name, folder / name)
    (folder / "empty.txt").write_text("", encoding="utf-8")
    transcripts, errors, stats = load([folder, tmp_path / "missing.csv"])
    assert stats.inputs == 11  # 10 files + 1 path that does not exist
    assert stats.conversations == len(transcripts) == 3 + 1 + 2 + 3 + 1 + 1 + 1
    assert stats.errors == len(errors) == 3 + 3 + 1 + 3 + 1 + 1 + 1  # csv, json, truncated, jsonl, no labels, empty, missing
    assert len(stats.warnings) == 1  # cp1252
    assert {t.format for t in transcripts} == {"csv", "tsv", "json", "jsonl", "text"}
    ids = [t.conversation_id for t in transcripts]
    assert len(ids) == len(set(ids))
    for t in transcripts:
        assert t.turns and all(turn.text for turn in t.turns)
        assert {"agent", "team", "queue", "date"} <= set(t.metadata)
