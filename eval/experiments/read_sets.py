"""What the experiment scripts share: the command line of a script that reads only sets already
read (development and retired sets), and the labelled conversations of a set."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Iterator

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # eval/
from evaluate import is_blind  # noqa: E402

from cx_audit.config import project_rulesets  # noqa: E402
from cx_audit.errors import InputError  # noqa: E402
from cx_audit.inputs import InputStats, LoadOptions, read_inputs  # noqa: E402
from cx_audit.model import Transcript  # noqa: E402
from cx_audit.pipeline import Scorer  # noqa: E402


def read_sets_and_scorer(doc: str) -> tuple[list[str], Scorer]:
    """Parse `SETS... [-r RULESET]...`, refuse sets still blind, and build the scorer."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="labelled development or retired set folders")
    parser.add_argument("-r", "--ruleset", action="append", default=[], help="ruleset name or file (default: es and en)")
    args = parser.parse_args()
    blind = [s for s in args.sets if is_blind(s)]
    if blind:
        parser.error(f"blind sets are not read: {', '.join(blind)}")
    return args.sets, Scorer(project_rulesets(args.ruleset or ["es", "en"], lang_auto=True), lang_auto=True)


def labelled(folder: str) -> Iterator[tuple[Transcript, dict[str, str]]]:
    """The set's conversations that have a row in its labels.csv, with that row."""
    with open(os.path.join(folder, "labels.csv"), encoding="utf-8") as handle:
        labels = {row["conversation_id"]: row for row in csv.DictReader(handle)}
    for transcript in read_inputs([os.path.join(folder, "conversations")], LoadOptions(), InputStats()):
        if not isinstance(transcript, InputError) and transcript.conversation_id in labels:
            yield transcript, labels[transcript.conversation_id]
