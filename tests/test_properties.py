"""Property-based tests (issue 7): normalisation, the text loader, the engine, and a short
fuzzing run of every loader through `read_inputs`.

Every property runs at most 200 examples with no deadline; the whole file stays well under 30 s.
The engine properties use tests/data/core_ruleset.yaml, which does not move when the built-in
rulesets are tuned.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import string
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cx_audit.engine import CompiledRuleset
from cx_audit.errors import InputError
from cx_audit.inputs import InputStats, LoadOptions, read_inputs
from cx_audit.model import AGENT, CUSTOMER, Transcript, Turn
from cx_audit.normalize import fold, original_words
from cx_audit.pipeline import RunSummary, Scorer, iter_results
from cx_audit.ruleset import load_ruleset
from tests.conftest import CORE_RULESET

PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

RULESET = load_ruleset(str(CORE_RULESET))
ENGINE = CompiledRuleset(RULESET)

# --- strategies ---------------------------------------------------------------------------------

any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)

# Latin text: ASCII, Latin-1, Latin Extended A/B, combining accents, general punctuation.
latin_chars = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x24F),
    st.characters(min_codepoint=0x300, max_codepoint=0x36F),
    st.characters(min_codepoint=0x2000, max_codepoint=0x206F),
    st.sampled_from("\t\n ¡¿ñÑçÇßÁÉÍÓÚÜáéíóúü"),
).filter(lambda ch: unicodedata.category(ch) != "Cs")
latin_text = st.text(alphabet=latin_chars, max_size=80)

# Characters that end a line for str.splitlines(): a "well-formed line" never holds one.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=LINE_BREAKS),
    min_size=1,
    max_size=60,
)

# Words the core ruleset cares about, so generated conversations pass and fail its rules.
RULE_WORDS = [
    "no", "se", "puede", "podemos", "es", "imposible", "preocupe", "hay", "problema", "lo", "que",
    "si", "sí", "puedo", "hacer", "le", "propongo", "buenos", "días", "dias", "buenas", "tardes",
    "cálmese", "tranquilicese", "entiendo", "su", "frustración", "lamento", "estoy", "harto",
    "una", "vergüenza", "factura", "gracias", "hola", "señor", "¡No!", "vale",
]
rule_sentence = st.lists(st.sampled_from(RULE_WORDS), min_size=1, max_size=10).map(" ".join)

# Neutral customer words: digits and short words that are in no phrase of the core ruleset.
NEUTRAL_WORDS = ["ok", "mmm", "uno", "dos", "tres", "vale", "ajá", "bien", "cuenta", "número", "pedido"]
neutral_sentence = st.lists(
    st.one_of(st.sampled_from(NEUTRAL_WORDS), st.integers(0, 99999).map(str)), min_size=1, max_size=8
).map(" ".join)

role = st.sampled_from([AGENT, CUSTOMER])
conversation = st.lists(st.tuples(role, rule_sentence), min_size=1, max_size=8)


def transcript(turns: list[tuple[str, str]], cid: str = "c") -> Transcript:
    return Transcript(cid, "test", [Turn(r, t, speaker=r) for r, t in turns])


def as_records(outcomes) -> list[dict]:
    return [dataclasses.asdict(o) for o in outcomes]


def read_all(paths: list[str]) -> tuple[list, InputStats]:
    stats = InputStats()
    items = list(read_inputs(paths, LoadOptions(), stats))
    return items, stats


# --- normalisation ------------------------------------------------------------------------------


@PROPS
@given(any_text)
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@PROPS
@given(latin_text)
def test_fold_of_latin_text_is_lower_case_unaccented_and_single_spaced(text):
    folded = fold(text)
    assert folded == folded.strip()
    assert "  " not in folded
    assert not any(ch.isspace() and ch != " " for ch in folded)
    assert folded == folded.lower()
    assert not any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", folded))
    assert all(ch == " " or ch.isalnum() for ch in folded)


@PROPS
@given(any_text, any_text)
def test_fold_distributes_over_a_space(a, b):
    assert fold(a + " " + b) == (fold(a) + " " + fold(b)).strip()


@PROPS
@given(any_text, st.data())
def test_original_words_is_a_substring_of_the_original(text, data):
    folded = fold(text)
    start = data.draw(st.integers(0, len(folded)), label="start")
    end = data.draw(st.integers(start, len(folded)), label="end")
    assert original_words(text, folded, start, end) in text


@PROPS
@given(latin_text, st.data())
def test_original_words_of_whole_words_fold_back_to_the_match(text, data):
    folded = fold(text)
    words = folded.split()
    assume(words)
    first = data.draw(st.integers(0, len(words) - 1), label="first")
    last = data.draw(st.integers(first, len(words) - 1), label="last")
    start = len(" ".join(words[:first])) + (1 if first else 0)
    match = " ".join(words[first : last + 1])
    assert folded[start : start + len(match)] == match
    assert fold(original_words(text, folded, start, start + len(match))) == match


def test_capital_sharp_s_folds_like_small_sharp_s():
    assert fold("STRAẞE") == fold("straße") == "strasse"


def test_original_words_with_an_ideographic_space():
    text = "hola\u3000no"
    folded = fold(text)
    assert folded == "hola no"
    assert original_words(text, folded, 5, 7) == "no"


# --- the text loader ----------------------------------------------------------------------------


@PROPS
@given(text=st.text(max_size=300), ext=st.sampled_from([".txt", ".log", ""]))
def test_text_loader_never_raises_on_arbitrary_text(text, ext):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "conversation" + ext)
        Path(path).write_text(text, encoding="utf-8", newline="")
        items, stats = read_all([path])
    assert all(isinstance(item, (Transcript, InputError)) for item in items)
    assert stats.inputs == 1
    assert stats.conversations + stats.errors + stats.skipped >= 1
    assert stats.conversations == sum(isinstance(item, Transcript) for item in items)
    assert stats.errors == sum(isinstance(item, InputError) for item in items)


@PROPS
@given(
    st.lists(st.tuples(st.sampled_from(["Agente", "Cliente", "Agent", "Customer"]), line_text), min_size=1, max_size=12),
    st.sampled_from(["", "[00:00:0{k}] "]),
)
def test_every_labelled_line_lands_in_a_turn_in_order(lines, stamp):
    body = "\n".join(f"{stamp.format(k=k % 10)}{label}: {text}" for k, (label, text) in enumerate(lines)) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "call.txt")
        Path(path).write_text(body, encoding="utf-8", newline="")
        items, _ = read_all([path])
    transcripts = [item for item in items if isinstance(item, Transcript)]
    assert len(transcripts) == 1, items
    turns = transcripts[0].turns
    # Walk the turns with a cursor: each text is found at or after where the previous one ended.
    turn, offset = 0, 0
    for label, text in lines:
        wanted = text.strip()
        if not wanted:
            continue
        while turn < len(turns):
            at = turns[turn].text.find(wanted, offset)
            if at >= 0:
                offset = at + len(wanted)
                break
            turn, offset = turn + 1, 0
        else:
            pytest.fail(f"{wanted!r} ({label}) is in no turn after the previous line: {turns!r}")
        expected_role = AGENT if label in ("Agente", "Agent") else CUSTOMER
        assert turns[turn].role == expected_role


# --- the engine ---------------------------------------------------------------------------------

AGENT_VERDICT_RULES = {
    rule.id
    for rule in RULESET.rules
    if rule.kind in ("forbid", "require") and tuple(rule.scope.speakers) == (AGENT,)
}


def test_the_core_ruleset_has_agent_scoped_forbid_and_require_rules():
    assert {"flat-refusal", "calm-down", "alternative", "greeting"} <= AGENT_VERDICT_RULES


def test_neutral_words_are_in_no_phrase_of_the_core_ruleset():
    phrases = set()
    for rule in RULESET.rules:
        phrases.update(fold(p) for p in rule.phrases + rule.unless)
        if rule.trigger is not None:
            phrases.update(fold(p) for p in rule.trigger.phrases)
    words = {w for p in phrases for w in p.split()}
    assert not words & {fold(w) for w in NEUTRAL_WORDS}


@PROPS
@given(conversation, neutral_sentence, st.data())
def test_an_unrelated_customer_turn_never_changes_an_agent_verdict(turns, extra, data):
    where = data.draw(st.integers(0, len(turns)), label="insert at")
    before = {o.rule: o for o in ENGINE.evaluate(transcript(turns))}
    after = {o.rule: o for o in ENGINE.evaluate(transcript(turns[:where] + [(CUSTOMER, extra)] + turns[where:]))}
    for rule in AGENT_VERDICT_RULES:
        assert after[rule].status == before[rule].status, rule
        assert [(e.text, e.match) for e in after[rule].evidence] == [(e.text, e.match) for e in before[rule].evidence]


@PROPS
@given(conversation)
def test_scoring_is_deterministic(turns):
    first = transcript(turns)
    second = copy.deepcopy(first)
    once = ENGINE.score(first)
    assert dataclasses.asdict(ENGINE.score(second)) == dataclasses.asdict(once)
    assert dataclasses.asdict(CompiledRuleset(RULESET).score(copy.deepcopy(first))) == dataclasses.asdict(once)
    assert dataclasses.asdict(ENGINE.score(first)) == dataclasses.asdict(once)


def _text_file(turns: list[tuple[str, str]]) -> str:
    return "".join(f"{'Agente' if r == AGENT else 'Cliente'}: {t}\n" for r, t in turns)


def _score_paths(paths: list[str]) -> dict[tuple[str, str], dict]:
    summary = RunSummary()
    results = iter_results(paths, Scorer([RULESET]), LoadOptions(), summary, lambda e: None, lambda m: None)
    records = {}
    for result in results:
        key = (result.source, result.conversation_id)
        assert key not in records
        records[key] = dataclasses.asdict(result)
    return records


@FEW
@given(st.lists(conversation, min_size=2, max_size=4), st.randoms(use_true_random=False))
def test_reordering_files_never_changes_a_conversations_result(conversations, rnd):
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for k, turns in enumerate(conversations):
            path = os.path.join(tmp, f"conv{k}.txt")
            Path(path).write_text(_text_file(turns), encoding="utf-8")
            paths.append(path)
        shuffled = paths[:]
        rnd.shuffle(shuffled)
        forward = _score_paths(paths)
        assert len(forward) == len(paths)
        assert _score_paths(shuffled) == forward
        assert _score_paths(paths[::-1]) == forward


def test_reordering_files_on_the_command_line_changes_no_record(cli, tmp_path):
    first = tmp_path / "a.txt"
    second = tmp_path / "b.jsonl"
    first.write_text("Agente: Buenos días.\nCliente: Estoy harto.\nAgente: No se puede.\n", encoding="utf-8")
    rows = [
        {"conversation_id": "j1", "speaker": "agent", "text": "Buenas tardes, lo que sí puedo hacer es esto."},
        {"conversation_id": "j1", "speaker": "customer", "text": "Gracias."},
        {"conversation_id": "j2", "speaker": "agent", "text": "Cálmese, señor."},
        {"conversation_id": "j2", "speaker": "customer", "text": "Es una vergüenza."},
    ]
    second.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    def records(*paths):
        code, out, err = cli("score", *map(str, paths), "-r", str(CORE_RULESET), "-f", "jsonl", "--exit-zero")
        assert code == 0, err
        parsed = [json.loads(line) for line in out.splitlines() if line.strip()]
        convs = [r for r in parsed if "conversation_id" in r]
        assert len(convs) == 3, parsed
        return sorted((json.dumps(r, sort_keys=True) for r in convs))

    assert records(first, second) == records(second, first)


# --- fuzzing the loaders ------------------------------------------------------------------------

VENDOR_KEYS = [
    "conversation_id", "id", "turns", "messages", "text", "speaker", "role", "content", "body",
    "Transcript", "Participants", "ParticipantId", "ParticipantRole", "Content", "results",
    "transcripts", "items", "segments", "entries", "utterances", "agent", "customer", "channel",
    "language", "timestamp", "start", "end", "BeginOffsetMillis", "conversation", "data", "author",
    "type", "created_at", "comments", "parts", "value", "from", "sender",
]
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
    st.text(max_size=20), st.sampled_from(["agent", "customer", "AGENT", "Cliente", "00:00:01", "2024-01-01T00:00:00Z"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(VENDOR_KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=25,
)


def _cut(data: bytes, draw) -> bytes:
    """Sometimes truncate the document, as a half-written export would be."""
    if data and draw(st.booleans()):
        return data[: draw(st.integers(0, len(data)))]
    return data


@st.composite
def json_ish(draw) -> bytes:
    doc = json.dumps(draw(json_values), ensure_ascii=draw(st.booleans())).encode("utf-8")
    return _cut(doc, draw)


@st.composite
def jsonl_ish(draw) -> bytes:
    lines = draw(st.lists(json_values, min_size=1, max_size=5))
    doc = "\n".join(json.dumps(v) for v in lines).encode("utf-8")
    return _cut(doc, draw)


csv_field = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["agent", "customer", "Agente", "Cliente", "c1", "c2", "1", "00:00:05", '"', '""', ""]),
)


@st.composite
def csv_ish(draw) -> bytes:
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = draw(st.one_of(
        st.just(["conversation_id", "speaker", "text"]),
        st.just(["conversation_id", "turn", "role", "text", "timestamp"]),
        st.lists(csv_field, min_size=1, max_size=5),
    ))
    rows = draw(st.lists(st.lists(csv_field, min_size=0, max_size=len(header) + 2), max_size=8))
    doc = "\n".join(sep.join(row) for row in [header] + rows).encode(draw(st.sampled_from(["utf-8", "utf-16"])))
    return _cut(doc, draw)


@st.composite
def text_ish(draw) -> bytes:
    lines = draw(st.lists(st.one_of(
        st.tuples(st.sampled_from(["Agente", "Cliente", "Agent", "Customer", "Nota", "# agent", "WEBVTT", "1"]), st.text(max_size=30))
        .map(lambda t: f"{t[0]}: {t[1]}"),
        st.text(max_size=30),
        st.sampled_from(["00:00:01.000 --> 00:00:02.000", "[00:00:03] Agente (Laura): Hola", "12/01/2024, 10:00 - Ana: hola"]),
    ), max_size=8))
    return _cut("\n".join(lines).encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])), errors="replace"), draw)


fuzz_bytes = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=200).map(lambda t: t.encode("utf-8")),
    json_ish(),
    jsonl_ish(),
    csv_ish(),
    text_ish(),
)
EXTENSIONS = [".txt", ".json", ".jsonl", ".csv", ""]


@PROPS
@given(st.lists(st.tuples(fuzz_bytes, st.sampled_from(EXTENSIONS)), min_size=1, max_size=4))
def test_fuzzed_files_never_crash_the_loaders_and_are_all_accounted_for(files):
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for k, (data, ext) in enumerate(files):
            path = os.path.join(tmp, f"f{k}{ext}")
            Path(path).write_bytes(data)
            paths.append(path)
        items, stats = read_all(paths)
    assert all(isinstance(item, (Transcript, InputError)) for item in items)
    assert stats.inputs == len(paths)
    assert stats.conversations == sum(isinstance(item, Transcript) for item in items)
    assert stats.errors == sum(isinstance(item, InputError) for item in items)
    assert stats.conversations + stats.errors + stats.skipped >= len(paths)
    for path in paths:
        # Every file is read, or named by an error, or named as skipped: nothing vanishes.
        read = any(isinstance(i, Transcript) and _names(i.source, path) for i in items)
        failed = any(isinstance(i, InputError) and _names(i.source, path) for i in items)
        skipped = any(m.startswith(f"{path}: no conversation in this file") for m in stats.warnings)
        assert read or failed or skipped, (path, items, stats)


def _names(source: str, path: str) -> bool:
    return source == path or source.startswith((path + ":", path + "#"))
