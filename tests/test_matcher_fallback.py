"""The pure-Python matcher (engine/automaton.py) is a drop-in for pyahocorasick.

Where pyahocorasick has no wheel, cx-audit runs on the pure-Python automaton. Users must get the
same report either way: the same hits from the automaton (every overlapping occurrence, in the
same order), the same hits from the phrase matcher (exact phrases, fuzzy pieces, regex literals),
and byte-identical CSV and JSON from the command line. CX_AUDIT_MATCHER picks the backend.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cx_audit.engine import automaton as backends
from cx_audit.engine.automaton import PythonAutomaton
from cx_audit.engine.matcher import PhraseMatcher
from tests.conftest import ROOT

ahocorasick = pytest.importorskip("ahocorasick")

# A small alphabet makes keys overlap, nest and share prefixes and suffixes all the time.
ALPHABET = "ab ñ.\n"


def _both(keys) -> tuple:
    c, py = ahocorasick.Automaton(), PythonAutomaton()
    for n, key in enumerate(keys):
        c.add_word(key, (n, key))
        py.add_word(key, (n, key))
    c.make_automaton()
    py.make_automaton()
    return c, py


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(ALPHABET, min_size=1, max_size=6), min_size=1, max_size=25), st.lists(st.text(ALPHABET, max_size=40), max_size=5))
def test_python_automaton_reports_what_pyahocorasick_reports(keys, texts):
    c, py = _both(keys)
    for text in texts:
        assert list(py.iter(text)) == list(c.iter(text)), (keys, text)


def test_python_automaton_overlaps_and_order():
    c, py = _both(["no", " no ", " no se preocupe ", "se", "o se p", "e"])
    found = [(end, key) for end, (_, key) in py.iter(" no se preocupe ")]
    # by end, and at one end the longest key first: what pyahocorasick yields
    assert found == [(2, "no"), (3, " no "), (5, "se"), (5, "e"), (7, "o se p"), (9, "e"), (14, "e"), (15, " no se preocupe ")]
    assert list(py.iter(" no se preocupe ")) == list(c.iter(" no se preocupe "))


def test_python_automaton_takes_keys_nested_deeper_than_the_recursion_limit():
    """Every key a prefix of the next: the trie-shaped regex nests a group per key."""
    c, py = _both(["ab" * i for i in range(1, 700)])
    text = "x" + "ab" * 705
    assert list(py.iter(text)) == list(c.iter(text))


def test_python_automaton_empty_and_unbuilt():
    py = PythonAutomaton()
    assert list(py.iter("anything")) == []
    py.add_word("a", 1)
    with pytest.raises(AttributeError):
        py.iter("a")  # like pyahocorasick: make_automaton() first
    py.make_automaton()
    assert list(py.iter("aa")) == [(0, 1), (1, 1)]


# ---- the phrase matcher on both backends -----------------------------------------------------

WORDS = "no se puede nada hacer lo siento le entiendo perfectamente gracias por su paciencia un momento vale".split()


def _matcher(factory, phrases, literals) -> PhraseMatcher:
    matcher = PhraseMatcher(factory)
    for phrase, fuzzy in phrases:
        matcher.add(phrase, fuzzy)
    for literal in literals:
        matcher.add_literal(literal)
    return matcher


def _typo(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(0, 2)):
        i = rng.randrange(len(chars) + 1)
        if rng.random() < 0.5 and i < len(chars):
            del chars[i]
        else:
            chars.insert(i, rng.choice("aeinos "))
    return " ".join("".join(chars).split())


@pytest.mark.parametrize("seed", range(4))
def test_phrase_matcher_hits_are_the_same_on_both_backends(seed):
    """Random phrases (exact and fuzzy, every level), regex literals, and turns built from pieces
    of them with typos; enough text that the fuzzy pieces are chosen again (a second build)."""
    rng = random.Random(seed)
    phrases = [(" ".join(rng.choices(WORDS, k=rng.randint(1, 4))), rng.choice([0, 0, 40, 60, 75, 85, 92])) for _ in range(60)]
    literals = {"no ", "se p", "nada", "to", " le", "gracias por"}
    matchers = []
    for factory in (ahocorasick.Automaton, PythonAutomaton):
        matcher = _matcher(factory, phrases, literals)
        matcher.build()
        matchers.append(matcher)
    c, py = matchers
    for _ in range(900):
        pieces = []
        for _ in range(rng.randint(1, 4)):
            phrase = rng.choice(phrases)[0]
            a, b = sorted(rng.randrange(len(phrase) + 1) for _ in range(2))
            pieces.append(_typo(rng, phrase if rng.random() < 0.5 else phrase[a:b] or phrase))
            if rng.random() < 0.3:
                pieces.append(rng.choice(WORDS))
        turn = " ".join(" ".join(pieces).split())
        assert py.turn_hits(turn) == c.turn_hits(turn), turn
    assert py._sample is None and c._sample is None  # both adapted their fuzzy pieces
    assert py._pieces == c._pieces


# ---- choosing the backend ----------------------------------------------------------------------


@pytest.mark.parametrize(("setting", "expected"), [("", "pyahocorasick"), ("auto", "pyahocorasick"), ("Python", "python"), ("pyahocorasick", "pyahocorasick")])
def test_backend_setting(setting, expected):
    assert backends._pick(setting)[0] == expected


def test_backend_setting_rejects_unknown_values():
    from cx_audit.errors import CxAuditError

    with pytest.raises(CxAuditError, match="CX_AUDIT_MATCHER='fast': expected one of auto, pyahocorasick, python"):
        backends._pick("fast")


def _run(args: list[str], matcher: str | None, extra_code: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != backends.ENV}
    if matcher is not None:
        env[backends.ENV] = matcher
    code = extra_code + "import sys; from cx_audit.cli import main; sys.argv[0] = 'cx-audit'; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_version_names_the_backend_and_pyahocorasick_missing_means_python():
    assert _run(["--version"], None).stdout.endswith("(phrase matcher: pyahocorasick)\n")
    assert _run(["--version"], "python").stdout.endswith("(phrase matcher: python)\n")
    no_wheel = "import sys; sys.modules['ahocorasick'] = None\n"  # import fails, as without a wheel
    assert _run(["--version"], None, no_wheel).stdout.endswith("(phrase matcher: python)\n")
    required = _run(["--version"], "pyahocorasick", no_wheel)
    assert required.returncode == 2 and required.stdout == ""
    assert required.stderr.startswith("cx-audit: error: CX_AUDIT_MATCHER=pyahocorasick but pyahocorasick does not import")


def _generated(tmp_path) -> str:
    prefix = tmp_path / "es-300"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "-n", "300", "--lang", "es", "--out", str(prefix), "--formats", "jsonl"],
                   check=True, capture_output=True, cwd=ROOT, timeout=300)
    return str(prefix) + ".jsonl"


@pytest.mark.slow
@pytest.mark.parametrize("what", ["samples", "fixtures-es", "fixtures-en", "generated"])
def test_reports_are_byte_identical_on_both_backends(tmp_path, what):
    if what == "samples":
        inputs, ruleset = ["samples"], "es"
    elif what.startswith("fixtures-"):
        lang = what.split("-")[1]
        inputs, ruleset = [f"rulesets/fixtures/{lang}"], lang
    else:
        inputs, ruleset = [_generated(tmp_path)], "es"
    for fmt in ("csv", "json"):
        outputs = []
        for matcher in ("pyahocorasick", "python"):
            done = _run(["score", *inputs, "-r", ruleset, "-f", fmt], matcher)
            assert done.returncode in (0, 1), done.stderr
            outputs.append(done.stdout)
        assert outputs[0] and outputs[0] == outputs[1], (what, fmt)
