"""Soak (issue 7): scoring the same corpus many times in one process keeps memory flat and gives
the same results every round.

The corpus is a few hundred conversations built at test time, in every shape the pipeline reads
most (one text file per conversation, JSONL, CSV), with a few bad records among them, scored by
tests/data/core_ruleset.yaml through `pipeline.run` and the JSONL renderer.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import tracemalloc
from pathlib import Path

from cx_audit.inputs import LoadOptions
from cx_audit.pipeline import Scorer, run
from cx_audit.render import make_renderer
from cx_audit.ruleset import load_ruleset
from tests.conftest import CORE_RULESET

ROUNDS = 20
MEASURE_FROM = 3  # rounds before the first measurement: caches and lazy imports settle
MAX_GROWTH = 5 * 1024 * 1024

AGENT_LINES = [
    "Buenos días, le atiende Laura.",
    "Buenas tardes, ¿en qué puedo ayudarle?",
    "No se puede, lo siento.",
    "Lo que sí puedo hacer es enviarle un duplicado.",
    "Cálmese, por favor.",
    "Entiendo su frustración y lo lamento.",
    "No se preocupe, no hay problema.",
    "Le propongo una devolución parcial.",
    "Es imposible cambiar la fecha.",
    "Gracias por llamar.",
]
CUSTOMER_LINES = [
    "Hola, llamo por una factura duplicada.",
    "Estoy harto de esperar.",
    "Es una vergüenza.",
    "Quiero cancelar mi pedido.",
    "Quiero cancelar mi pedido, por favor.",
    "Vale, gracias.",
    "Mi número de cliente es 48213.",
]


def _turns(n: int) -> list[tuple[str, str]]:
    """A deterministic conversation of 3-9 turns, different for each n."""
    count = 3 + n % 7
    turns = []
    for k in range(count):
        if k % 2 == 0:
            turns.append(("agent", AGENT_LINES[(n * 3 + k) % len(AGENT_LINES)]))
        else:
            turns.append(("customer", CUSTOMER_LINES[(n * 5 + k) % len(CUSTOMER_LINES)]))
    return turns


def build_corpus(root: Path) -> tuple[list[str], int]:
    """Write the corpus; return (paths, number of conversations)."""
    texts = root / "texts"
    texts.mkdir()
    n = 0
    for _ in range(120):
        lines = [f"# agent: agente{n % 9}", "# channel: voice"]
        lines += [f"[00:00:{2 * k:02d}] {'Agente' if r == 'agent' else 'Cliente'}: {t}" for k, (r, t) in enumerate(_turns(n))]
        (texts / f"call{n:04d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        n += 1

    with (root / "chats.jsonl").open("w", encoding="utf-8") as out:
        for _ in range(120):
            for k, (r, t) in enumerate(_turns(n)):
                out.write(json.dumps({"conversation_id": f"chat{n:04d}", "speaker": r, "text": t, "agent": f"agente{n % 9}"}, ensure_ascii=False) + "\n")
            n += 1
        out.write("{not json\n")  # a bad record: reported, never stops the batch

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["conversation_id", "turn", "speaker", "text", "agent"])
    for _ in range(100):
        for k, (r, t) in enumerate(_turns(n)):
            writer.writerow([f"row{n:04d}", k + 1, "Agente" if r == "agent" else "Cliente", t, f"agente{n % 9}"])
        n += 1
    (root / "rows.csv").write_text(buffer.getvalue(), encoding="utf-8")
    (root / "empty.txt").write_text("", encoding="utf-8")  # an error every round, too
    return [str(texts), str(root / "chats.jsonl"), str(root / "rows.csv"), str(root / "empty.txt")], n


def score_once(paths: list[str], scorer: Scorer) -> tuple[str, dict, int]:
    """One full run: (digest of the rendered output, summary counts, errors reported)."""
    out = io.StringIO()
    errors: list[str] = []
    summary = run(paths, scorer, LoadOptions(), make_renderer("jsonl"), out, lambda e: errors.append(str(e)), lambda m: None)
    text = out.getvalue()
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), summary.as_dict(), len(errors)


def test_scoring_the_same_corpus_many_times_keeps_memory_flat_and_results_identical(tmp_path):
    paths, conversations = build_corpus(tmp_path)
    assert conversations >= 300
    scorer = Scorer([load_ruleset(str(CORE_RULESET))])

    tracemalloc.start()
    try:
        first = score_once(paths, scorer)
        digest, counts, errors = first
        assert counts["conversations"] == conversations
        assert counts["scored"] == conversations
        assert 0 < counts["failed"] < conversations  # the corpus exercises both verdicts
        assert errors == counts["errors"] >= 2  # the bad JSONL record and the empty file
        measured: dict[int, int] = {}
        for round_number in range(2, ROUNDS + 1):
            assert score_once(paths, scorer) == first, f"round {round_number} differs from round 1"
            if round_number in (MEASURE_FROM, ROUNDS):
                gc.collect()
                measured[round_number] = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    growth = measured[ROUNDS] - measured[MEASURE_FROM]
    assert growth < MAX_GROWTH, f"traced memory grew by {growth / 1024 / 1024:.1f} MB from round {MEASURE_FROM} to {ROUNDS}"


def test_a_fresh_scorer_gives_the_same_results_as_a_reused_one(tmp_path):
    paths, _ = build_corpus(tmp_path)
    ruleset = load_ruleset(str(CORE_RULESET))
    reused = Scorer([ruleset])
    first = score_once(paths, reused)
    assert score_once(paths, reused) == first
    assert score_once(paths, Scorer([load_ruleset(str(CORE_RULESET))])) == first
