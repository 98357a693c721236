"""The plain-text loader and the speaker-label table, on realistic Spanish and English files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from cx_audit.errors import InputError
from cx_audit.inputs import InputStats, LoadOptions, read_inputs
from cx_audit.inputs.files import open_document
from cx_audit.inputs.labels import role_for_label
from cx_audit.inputs.registry import get_loader, sniff
from cx_audit.model import AGENT, BOT, CUSTOMER, SYSTEM, UNKNOWN, Transcript

DATA = Path(__file__).parent / "data" / "loaders"


def load(path: Path | str, options: LoadOptions | None = None) -> tuple[list[Transcript], list[InputError], InputStats]:
    stats = InputStats()
    items = list(read_inputs([str(path)], options or LoadOptions(), stats))
    return (
        [i for i in items if isinstance(i, Transcript)],
        [i for i in items if isinstance(i, InputError)],
        stats,
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "label, role",
    [
        ("Agente", AGENT), ("ASESORA", AGENT), ("operadora", AGENT), ("Representante", AGENT),
        ("Rep", AGENT), ("Soporte", AGENT), ("agent_1", AGENT), ("Cliente", CUSTOMER),
        ("Usuaria", CUSTOMER), ("Caller", CUSTOMER), ("Asistente Virtual", BOT), ("IVR", BOT),
        ("Sistema", SYSTEM), ("Laura", UNKNOWN), ("Nota", UNKNOWN),
    ],
)
def test_builtin_labels_in_both_languages(label, role):
    assert role_for_label(label)[0] == role


def test_labels_ignore_case_and_accents():
    assert role_for_label("  AGÉNTE ") == (AGENT, "label")
    assert role_for_label("Operadór") == (AGENT, "label")
    assert role_for_label("Laura") == (UNKNOWN, "unknown")


def test_user_labels_and_role_map_win_over_the_builtin_table():
    options = LoadOptions(agent_labels=("Gestor",), customer_labels=("Abonado",), role_map={"spk_0": "agent", "Cliente": "bot"})
    assert role_for_label("gestor", options) == (AGENT, "label")
    assert role_for_label("ABONADO", options) == (CUSTOMER, "label")
    assert role_for_label("spk_0", options) == (AGENT, "map")
    assert role_for_label("cliente", options) == (BOT, "map")
    # The map may also name the person behind a generic label.
    assert role_for_label("Agente", LoadOptions(role_map={"Laura": "customer"}), name="Laura") == (CUSTOMER, "map")


def test_spanish_call_with_timestamps_names_header_and_continuation():
    transcripts, errors, stats = load(DATA / "llamada_factura.txt")
    assert errors == []
    [t] = transcripts
    assert t.conversation_id == "ES-2026-0105-001"  # from "# id:"
    assert t.source.endswith("llamada_factura.txt")
    assert t.format == "text"
    assert t.channel == "voice" and t.language == "es"
    assert t.metadata == {"agent": "Laura Gómez", "team": "Facturación", "queue": "cobros", "date": "2026-01-05"}
    assert [(turn.role, turn.speaker) for turn in t.turns] == [
        (AGENT, "Laura"), (CUSTOMER, "Cliente"), (AGENT, "Laura"), (CUSTOMER, "CLIENTE"), (AGENT, "Laura"),
    ]
    # "Nota: ..." occurs once inside the customer's turn: it is text, not a speaker.
    assert t.turns[1].text == "Hola, llamo porque me llegó la factura duplicada. Nota: la del mes de diciembre."
    # Two consecutive lines of Laura are one turn; the start is the first line's.
    assert t.turns[2].text == "Entiendo, lo reviso ahora mismo. Un momento, por favor."
    assert [turn.start for turn in t.turns] == [3.0, 7.0, 15.0, 65.0, 90.0]
    assert all(turn.end is None for turn in t.turns)
    assert stats.conversations == 1 and stats.errors == 0


def test_merge_turns_off_keeps_every_line():
    transcripts, _, _ = load(DATA / "llamada_factura.txt", LoadOptions(merge_turns=False))
    assert len(transcripts[0].turns) == 6


def test_timestamp_styles(tmp_path):
    path = write(
        tmp_path,
        "estilos.txt",
        "[01:02:03] Agente: uno\n00:01:05 - Cliente: dos\n[02:10] Agente: tres\n(02:15) Cliente: cuatro\n",
    )
    [t], errors, _ = load(path)
    assert errors == []
    assert [turn.start for turn in t.turns] == [3723.0, 65.0, 130.0, 135.0]
    assert [turn.text for turn in t.turns] == ["uno", "dos", "tres", "cuatro"]


def test_names_as_labels_need_two_lines_and_get_roles_from_the_greeting_or_a_map():
    transcripts, errors, _ = load(DATA / "chat_names.txt")
    assert errors == []
    [t] = transcripts
    assert [turn.speaker for turn in t.turns] == ["Laura", "Mark", "Laura", "Mark"]
    # No label says who is who: the greeting heuristic decides, and says so.
    assert [(turn.role, turn.role_source) for turn in t.turns] == [(AGENT, "heuristic"), (CUSTOMER, "heuristic")] * 2
    # "Order number: 4471" appears once: it continues Mark's turn.
    assert t.turns[1].text == "My order never arrived. I ordered it two weeks ago. Order number: 4471"

    [mapped], _, _ = load(DATA / "chat_names.txt", LoadOptions(role_map={"Laura": "agent", "Mark": "customer"}))
    assert [(turn.role, turn.role_source) for turn in mapped.turns] == [(AGENT, "map"), (CUSTOMER, "map")] * 2
    assert mapped.metadata["agent"] == "Laura"


def test_person_name_with_role_in_parentheses(tmp_path):
    path = write(tmp_path, "p.txt", "Laura (agente): Hola, soy Laura.\nPedro (cliente): Hola.\n")
    [t], _, _ = load(path)
    assert [(turn.role, turn.speaker) for turn in t.turns] == [(AGENT, "Laura"), (CUSTOMER, "Pedro")]


def test_leading_text_is_reported_but_the_conversation_loads():
    transcripts, errors, stats = load(DATA / "preambulo.txt")
    assert len(errors) == 1
    assert errors[0].line == 1 and "before the first speaker label" in errors[0].message
    [t] = transcripts
    assert [turn.role for turn in t.turns] == [CUSTOMER, AGENT, CUSTOMER]
    assert t.turns[1].speaker == "Marta" and t.metadata["agent"] == "Marta"
    assert [turn.start for turn in t.turns] == [2.0, 12.0, 20.0]
    assert (stats.conversations, stats.errors) == (1, 1)


def test_file_without_labels_is_one_error_without_line():
    transcripts, errors, _ = load(DATA / "sin_etiquetas.txt")
    assert transcripts == []
    assert len(errors) == 1
    assert errors[0].line is None
    assert errors[0].message == "no speaker labels found (expected lines like 'Agente: ...')"


def test_urls_and_clock_times_are_not_labels(tmp_path):
    path = write(
        tmp_path,
        "u.txt",
        "Agente: Puede verlo en\nhttps://example.com/ayuda\nhttps://example.com/faq\nCliente: Llego a las 10:30 mañana\n",
    )
    [t], errors, _ = load(path)
    assert errors == []
    assert [turn.role for turn in t.turns] == [AGENT, CUSTOMER]
    assert "https://example.com/faq" in t.turns[0].text


def test_bot_and_system_labels_and_sniff_without_extension():
    doc, error, _ = open_document(str(DATA / "sin_extension"))
    assert error is None and doc.extension == ""
    assert sniff(doc).name == "text"
    [t], _, _ = load(DATA / "sin_extension")
    assert [turn.role for turn in t.turns] == [BOT, CUSTOMER, SYSTEM, AGENT]


def test_sniff_scores():
    text = get_loader("text")
    labelled, _, _ = open_document(str(DATA / "chat_names.txt"))
    known, _, _ = open_document(str(DATA / "llamada_factura.txt"))
    plain, _, _ = open_document(str(DATA / "sin_etiquetas.txt"))
    assert text.sniff(known) == pytest.approx(0.6)
    assert text.sniff(plain) == pytest.approx(0.05)
    assert text.sniff(labelled) == pytest.approx(0.05)  # only names, no known label: still the fallback


def test_utf8_bom_is_not_part_of_the_first_label():
    [t], errors, _ = load(DATA / "bom.txt")
    assert errors == []
    assert t.turns[0].role == AGENT and t.turns[0].speaker == "Agente"


def test_cp1252_file_loads_with_a_warning():
    transcripts, errors, stats = load(DATA / "cp1252.txt")
    assert errors == []
    assert transcripts[0].turns[0].text == "Le atiende José, ¿en qué puedo ayudarle?"
    assert len(stats.warnings) == 1 and "cp1252" in stats.warnings[0]


def test_gzipped_english_call():
    [t], errors, _ = load(DATA / "english_call.txt.gz")
    assert errors == []
    assert t.conversation_id == "english_call"
    assert [turn.role for turn in t.turns] == [AGENT, CUSTOMER, AGENT]
    assert t.turns[1].text == "Hi, my card was charged twice."


def test_gzip_from_tmp_with_crlf_and_extra_labels(tmp_path):
    path = tmp_path / "chat.log.gz"
    path.write_bytes(gzip.compress("Gestor: Hola\r\nAbonado: Buenas\r\n".encode("utf-8")))
    [t], _, _ = load(path, LoadOptions(agent_labels=("gestor",), customer_labels=("abonado",)))
    assert [(turn.role, turn.text) for turn in t.turns] == [(AGENT, "Hola"), (CUSTOMER, "Buenas")]


def test_bracketed_time_ranges_give_turn_end_times(tmp_path):
    path = write(
        tmp_path,
        "rangos.txt",
        "[00:00:01 - 00:00:09] Cliente: Me han cobrado dos veces y\n"
        "[00:00:05-00:00:07] Agente: Ya, ya.\n"
        "(00:10–00:12) Cliente: Oiga.\n"
        "[00:20] Agente: Dígame, son las 10:30 - vale.\n",
    )
    [t], errors, _ = load(path)
    assert errors == []
    assert [(turn.start, turn.end) for turn in t.turns] == [(1.0, 9.0), (5.0, 7.0), (10.0, 12.0), (20.0, None)]
    assert t.turns[3].text == "Dígame, son las 10:30 - vale."


def test_time_range_ending_before_it_starts_is_reported_and_the_end_ignored(tmp_path):
    path = write(tmp_path, "al-reves.txt", "[00:05] Agente: Hola.\n[00:20 - 00:15] Cliente: Buenas.\n")
    [t], errors, _ = load(path)
    assert len(errors) == 1 and errors[0].line == 2 and "ends before it starts" in errors[0].message
    assert [(turn.start, turn.end) for turn in t.turns] == [(5.0, None), (20.0, None)]
