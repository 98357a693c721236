"""`score --workers N`: the same bytes as one process, errors located and counted, no hang."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import cx_audit.parallel as parallel
from cx_audit.errors import CxAuditError
from cx_audit.inputs import InputStats, LoadOptions, read_inputs
from cx_audit.parallel import pack_result, pack_transcript, unpack_result, unpack_transcript
from cx_audit.pipeline import RunSummary, Scorer, iter_results, run
from cx_audit.render import make_renderer
from cx_audit.ruleset import load_ruleset
from tests.conftest import ROOT

SAMPLES = ROOT / "samples"


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 2 conversations, so that a small input really goes through the worker pool."""
    monkeypatch.setattr(parallel, "CHUNK", 2)


@pytest.fixture
def batch(tmp_path) -> list[str]:
    """The samples, plus bad files and a second folder: a multi-file input with errors."""
    shutil.copytree(SAMPLES, tmp_path / "samples")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.jsonl").write_text(
        '{"id": "b1", "turns": [{"speaker": "agent", "text": "Hola, soy Laura, ¿en qué puedo ayudarle?"}]}\n'
        "{not json\n"
        '{"id": "b2", "turns": []}\n'
        '{"id": "b3", "turns": [{"speaker": "customer", "text": "No funciona."}, {"speaker": "agent", "text": "Eso no se puede."}]}\n',
        encoding="utf-8",
    )
    (bad / "columns.csv").write_text("id,who\n1,agent\n", encoding="utf-8")
    (bad / "empty.txt").write_text("", encoding="utf-8")
    return [str(tmp_path / "samples"), str(bad), str(tmp_path / "missing.json")]


def _timing_free(err: str) -> str:
    return re.sub(r" in \d+\.\d+s", " in Ns", err)


@pytest.mark.parametrize("args", [
    ["-f", "csv"], ["-f", "csv", "--details"], ["-f", "jsonl"], ["-f", "json"], ["-f", "table"],
    ["-f", "markdown"], ["-f", "html"], ["-f", "csv", "--redact"], ["-g", "agent", "-f", "csv"],
    ["-f", "jsonl", "--lang", "auto"],
])
def test_workers_write_the_same_bytes_as_one_process(cli, small_chunks, batch, args):
    one = cli("score", *batch, *args, "--workers", "1")
    two = cli("score", *batch, *args, "--workers", "2")
    assert one[0] == two[0] == 2  # the bad files: exit 2, and the rest scored
    assert one[1] == two[1] and one[1]
    assert _timing_free(one[2]) == _timing_free(two[2])
    assert "broken.jsonl:2: invalid JSON" in two[2] and "broken.jsonl:3: no turns with text" in two[2]
    assert re.search(r"16 inputs, 19 conversations, 19 scored, \d+ failed, 5 errors", two[2]), two[2]


def test_workers_write_the_same_workbook(cli, small_chunks, batch, tmp_path):
    from openpyxl import load_workbook

    sheets = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}.xlsx"
        code, _, _ = cli("score", *batch, "-f", "xlsx", "-o", str(out), "--workers", workers)
        assert code == 2
        book = load_workbook(out, read_only=True)
        sheets.append({ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets})
    assert sheets[0] == sheets[1] and len(sheets[0]["conversations"]) == 20


def test_errors_are_located_counted_and_in_order_with_workers(small_chunks, batch):
    for workers in (1, 2):
        summary = RunSummary()
        seen: list[str] = []
        results = list(iter_results(batch, Scorer([load_ruleset("es")]), LoadOptions(), summary,
                                    lambda e: seen.append(f"error {e}"), lambda w: seen.append(f"warn {w}"), workers=workers))
        if workers == 1:
            expected = (seen, [r.conversation_id for r in results], summary.as_dict())
        else:
            assert (seen, [r.conversation_id for r in results], summary.as_dict()) == expected
    assert summary.conversations == summary.scored == len(results) == 19  # every conversation in, every result out
    assert summary.errors == len(summary.error_list) == 5
    assert [line.split(": ", 1)[0] for line in seen if line.startswith("error")] == [
        f"error {batch[2]}", f"error {batch[1]}/broken.jsonl:2", f"error {batch[1]}/broken.jsonl:3", f"error {batch[1]}/columns.csv:1", f"error {batch[1]}/empty.txt",
    ]  # the order of reading: the missing path, then the files in sorted order


def test_packing_round_trips_every_field():
    ruleset = load_ruleset("es")
    scorer = Scorer([ruleset])
    stats = InputStats()
    transcripts = [t for t in read_inputs([str(SAMPLES)], LoadOptions(), stats) if hasattr(t, "turns")]
    assert transcripts
    for transcript in transcripts:
        assert unpack_transcript(pack_transcript(transcript)) == transcript
        for result in scorer.score(transcript):
            assert unpack_result(pack_result(result)) == result


def test_csv_and_jsonl_rows_are_written_as_they_come(small_chunks, tmp_path):
    """The rows before a late error are already written when the error is reported."""
    line = '{"id": "c%d", "turns": [{"speaker": "agent", "text": "Buenos días, le atiende Laura."}, {"speaker": "customer", "text": "Hola"}]}\n'
    path = tmp_path / "many.jsonl"
    path.write_text("".join(line % i for i in range(8)) + "{broken\n", encoding="utf-8")
    for fmt in ("csv", "jsonl"):
        for workers in (1, 2):
            out = io.StringIO()
            written_at_error: list[int] = []
            renderer = make_renderer(fmt)
            rows = None
            if workers > 1:
                rows = parallel.RowSpec(fmt)
                renderer = parallel.RowsRenderer(renderer)
            run([str(path)], Scorer([load_ruleset("es")]), LoadOptions(), renderer, out,
                lambda e: written_at_error.append(out.getvalue().count("\n")), lambda w: None, workers=workers, rows=rows)
            header = 1 if fmt == "csv" else 0
            assert written_at_error == [8 + header], (fmt, workers)


def test_a_worker_that_dies_is_an_error_not_a_hang(small_chunks, batch):
    class Killer:
        """Kills the worker processes when the first result arrives."""

        def start(self, out, rulesets):
            self.killed = False

        def result(self, r):
            if not self.killed:
                for child in multiprocessing.active_children():
                    os.kill(child.pid, signal.SIGKILL)
                self.killed = True

        def finish(self, errors, summary):
            pass

    with pytest.raises(CxAuditError, match="worker process stopped unexpectedly"):
        run(batch, Scorer([load_ruleset("es")]), LoadOptions(), Killer(), io.StringIO(), lambda e: None, lambda w: None, workers=2)
    assert multiprocessing.active_children() == []


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found.extend(int(c) for c in f.read().split())
    return found


def _many(tmp_path: Path, count: int = 20000) -> Path:
    """`count` 30-turn conversations: long enough to be still scoring when the test acts."""
    turns = [{"speaker": "agent", "text": "Buenos días, le atiende Laura, ¿en qué puedo ayudarle?"},
             {"speaker": "customer", "text": "Mi pedido no ha llegado y ya van dos semanas."},
             {"speaker": "agent", "text": "Eso no se puede mirar ahora, llame otro día."}] * 10
    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(count):
            f.write(json.dumps({"id": f"c{i}", "turns": turns}, ensure_ascii=False) + "\n")
    return path


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGPIPE"), reason="POSIX pipes")
def test_a_closed_pipe_ends_quietly_as_with_one_process(tmp_path):
    path = _many(tmp_path)
    codes = []
    for workers in ("1", "2"):
        proc = subprocess.Popen([sys.executable, "-m", "cx_audit", "score", str(path), "-f", "csv", "--workers", workers],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        assert proc.stdout.readline().startswith(b"conversation_id,")
        proc.stdout.close()  # what `| head -1` does
        err = proc.stderr.read()
        codes.append(proc.wait(timeout=30))
        assert err == b"", err
    assert codes == [-signal.SIGPIPE, -signal.SIGPIPE]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_ctrl_c_stops_the_workers_and_exits_130(tmp_path):
    path = _many(tmp_path)
    out = tmp_path / "out.csv"
    proc = subprocess.Popen([sys.executable, "-m", "cx_audit", "score", str(path), "-f", "csv", "-o", str(out), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, cwd=ROOT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal starts it
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    workers = _children(proc.pid)
    time.sleep(0.2)  # workers starting or scoring
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert b"Traceback" not in err and b"leaked" not in err, err  # no worker's traceback, nothing left behind
    assert not out.exists() and not list(tmp_path.glob(".cx-audit-*"))  # no half-written output
    def alive(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
        except OSError:
            return False

    deadline = time.monotonic() + 5  # multiprocessing's resource tracker ends once it sees us gone
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) >= 2 and not any(alive(pid) for pid in workers)
