"""Hostile and broken input (issue 7): every bad input gets a one-line located error or a clean
read, the rest of the batch is still scored, and the counts add up.

The committed corpus is tests/data/hostile/; the big cases (a 50 MB line, 100,000 turns) and the
file-system cases (unreadable file, symlink loop, a file that vanishes) are made in tmp_path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from conftest import CORE_RULESET, ROOT

HOSTILE = ROOT / "tests" / "data" / "hostile"
GOOD = HOSTILE / "good.txt"

# file -> (expected error substring or None when it must be scored, expected warning substring or None)
CASES: dict[str, tuple[str | None, str | None]] = {
    "empty.txt": ("empty file", None),
    "binary.txt": ("binary file", None),
    "truncated.json": ("invalid JSON: Unterminated string", None),
    "wrong_shape.json": ("'turns' is a string, expected a list of turns", None),
    "missing_columns.csv": ("missing required column(s): speaker", None),
    "ragged_row.csv": ("row has 5 fields, the header has 3; row skipped", None),  # the other rows score
    "utf16_bom.txt": (None, None),
    "cp1252.txt": (None, "read as cp1252"),
    "latin1.txt": (None, "read as cp1252"),
    "nul_bytes.txt": (None, "NUL bytes (first on line 2) removed"),
    "mixed_newlines.txt": (None, None),
    "no_labels.txt": ("no speaker labels found", None),
    "one_speaker.txt": (None, None),  # an agent-only conversation is still a conversation
}
# Files that still yield a conversation despite an error on one of their rows.
PARTIAL = {"ragged_row.csv"}


def _score_json(cli, *paths: str) -> tuple[int, dict, str]:
    code, out, err = cli("score", "-r", str(CORE_RULESET), "-f", "json", "--no-progress", *map(str, paths))
    return code, json.loads(out), err


def _file_of(source: str) -> str:
    """A result's source without its record or line suffix (`calls.csv:2`, `calls.json#3`)."""
    return re.sub(r"[#:]\d+$", "", source)


def _assert_counts(data: dict, inputs: int) -> None:
    summary = data["summary"]
    assert summary["inputs"] == inputs
    assert summary["scored"] == len(data["results"])
    assert summary["errors"] == len(data["errors"])
    # Every input is scored or reported: files that gave nothing are each named by an error.
    reporting = {e["source"] for e in data["errors"]} | {_file_of(r["source"]) for r in data["results"]}
    assert len(reporting) + summary["skipped"] >= inputs


def test_corpus_is_complete():
    assert sorted(p.name for p in HOSTILE.iterdir()) == sorted([*CASES, "good.txt"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_alongside_a_good_one(cli, name):
    error, warning = CASES[name]
    path = HOSTILE / name
    code, data, err = _score_json(cli, path, GOOD)
    _assert_counts(data, inputs=2)
    sources = {_file_of(r["source"]) for r in data["results"]}
    assert str(GOOD) in sources, "the good file beside a bad one must still be scored"
    if error is None:
        assert data["errors"] == [], err
        assert str(path) in sources
        assert data["summary"]["scored"] == 2
    else:
        messages = [e for e in data["errors"] if e["source"] == str(path)]
        assert len(messages) == 1 and error in messages[0]["message"], data["errors"]
        line = next(ln for ln in err.splitlines() if "error:" in ln)
        assert str(path) in line and error in line  # one line, naming the file
        assert code == 2
        assert (str(path) in sources) == (name in PARTIAL)
    if warning is not None:
        assert warning in err and str(path) in err
    assert "Traceback" not in err


def test_decoded_text_is_right(cli):
    from cx_audit.inputs import InputStats, LoadOptions, read_inputs
    from cx_audit.model import Transcript

    paths = [str(HOSTILE / n) for n in ("utf16_bom.txt", "cp1252.txt", "latin1.txt", "nul_bytes.txt", "mixed_newlines.txt")]
    stats = InputStats()
    items = {i.source: i for i in read_inputs(paths, LoadOptions(), stats) if isinstance(i, Transcript)}
    assert "Núñez" in items[paths[0]].turns[0].text
    assert "Begoña –" in items[paths[1]].turns[0].text and "está" in items[paths[1]].turns[1].text
    assert "Begoña." in items[paths[2]].turns[0].text
    assert "Hola" in items[paths[3]].turns[1].text and "\x00" not in items[paths[3]].turns[1].text
    assert [t.text for t in items[paths[4]].turns] == ["Buenas tardes.", "Hola.", "Claro.", "Gracias."]


def test_whole_corpus_in_one_batch(cli):
    code, data, err = _score_json(cli, HOSTILE)
    inputs = len(CASES) + 1
    _assert_counts(data, inputs)
    scored = {_file_of(r["source"]) for r in data["results"]}
    expected_scored = {str(HOSTILE / n) for n, (e, _) in CASES.items() if e is None or n in PARTIAL} | {str(GOOD)}
    assert scored == expected_scored
    assert data["summary"]["errors"] == sum(1 for e, _ in CASES.values() if e is not None)
    assert code == 2 and "Traceback" not in err


def test_fifty_megabyte_single_line(cli, tmp_path):
    big = tmp_path / "big_line.txt"
    with open(big, "w", encoding="utf-8") as handle:
        handle.write("Agente: " + "hola " * 10_000_000 + "\n")  # 50 MB, one line
    began = time.perf_counter()
    code, data, err = _score_json(cli, big, GOOD)
    assert time.perf_counter() - began < 60
    _assert_counts(data, inputs=2)
    assert data["summary"]["scored"] == 2 and data["errors"] == []


def _many_turns(path: Path, turns: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(turns // 2):
            handle.write(f"Agente: Buenas tardes, le atiende Laura, paso {i}.\nCliente: Hola, pregunta {i}.\n")


def test_hundred_thousand_turns_are_read(tmp_path):
    from cx_audit.inputs import InputStats, LoadOptions, read_inputs

    path = tmp_path / "long.txt"
    _many_turns(path, 100_000)
    began = time.perf_counter()
    items = list(read_inputs([str(path)], LoadOptions(), InputStats()))
    assert time.perf_counter() - began < 30
    assert len(items) == 1 and len(items[0].turns) == 100_000


def test_hundred_thousand_turns_are_scored(cli, tmp_path):
    path = tmp_path / "long.txt"
    _many_turns(path, 100_000)
    code, data, err = _score_json(cli, path, GOOD)
    assert data["summary"]["scored"] == 2


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_unreadable_file(cli, tmp_path):
    locked = tmp_path / "locked.txt"
    shutil.copy(GOOD, locked)
    locked.chmod(0)
    try:
        code, data, err = _score_json(cli, locked, GOOD)
    finally:
        locked.chmod(0o644)
    _assert_counts(data, inputs=2)
    assert [e["source"] for e in data["errors"]] == [str(locked)]
    assert "cannot read: Permission denied" in data["errors"][0]["message"]
    assert data["summary"]["scored"] == 1


def test_directory_symlink_loop(cli, tmp_path):
    folder = tmp_path / "calls"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(GOOD, folder / "a.txt")
    shutil.copy(GOOD, folder / "sub" / "b.txt")
    (folder / "sub" / "up").symlink_to("..", target_is_directory=True)
    code, data, err = _score_json(cli, folder)
    assert data["summary"]["scored"] == 2  # each real file once
    assert len(data["errors"]) == 1 and "folder loop" in data["errors"][0]["message"]
    assert data["errors"][0]["source"].endswith(os.path.join("sub", "up"))
    _assert_counts(data, inputs=3)


def test_file_vanishes_mid_run(tmp_path):
    """The paths are expanded first; a file deleted before it is read is reported, the rest go on."""
    from cx_audit.errors import InputError
    from cx_audit.inputs import InputStats, LoadOptions, read_inputs
    from cx_audit.model import Transcript

    for name in ("a.txt", "b.txt", "c.txt"):
        shutil.copy(GOOD, tmp_path / name)
    stats = InputStats()
    items = read_inputs([str(tmp_path)], LoadOptions(), stats)
    first = next(items)  # expand_paths ran, a.txt is read
    (tmp_path / "b.txt").unlink()
    rest = list(items)
    assert isinstance(first, Transcript)
    assert isinstance(rest[0], InputError) and rest[0].source == str(tmp_path / "b.txt")
    assert "cannot read: No such file or directory" in rest[0].message
    assert isinstance(rest[1], Transcript) and rest[1].source == str(tmp_path / "c.txt")
    assert (stats.inputs, stats.conversations, stats.errors) == (3, 2, 1)


def test_file_vanishes_between_sniffing_and_loading(tmp_path):
    from cx_audit.errors import InputError
    from cx_audit.inputs import InputStats, LoadOptions, _read_one

    path = tmp_path / "a.txt"
    shutil.copy(GOOD, path)
    import cx_audit.inputs as inputs

    real_open = inputs.open_document

    def open_then_delete(name):
        result = real_open(name)
        os.unlink(name)
        return result

    stats = InputStats()
    try:
        inputs.open_document = open_then_delete
        items = list(_read_one(str(path), LoadOptions(), stats, lambda m: None))
    finally:
        inputs.open_document = real_open
    assert len(items) == 1 and isinstance(items[0], InputError)
    assert items[0].source == str(path) and "cannot read (text)" in items[0].message
    assert stats.errors == 1
