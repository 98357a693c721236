"""What the engine says about a conversation: rule outcomes with evidence, and the scorecard.

Data flows one way: Transcript -> engine -> RuleOutcome -> scoring -> ConversationResult -> renderer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PASS = "pass"
FAIL = "fail"
NA = "n/a"
NONE = "(none)"  # a group key with no value, in reports
_SOURCE_TAIL = re.compile(r"(?:#.*|:\d+)$")


def source_file(source: str) -> str:
    """The input file of a result's source (`calls.jsonl:12` and `x.json#3` -> the file).

    Here rather than in report/aggregate.py, so that counting files (progress.py) does not load pandas.
    """
    return _SOURCE_TAIL.sub("", source or "") or NONE


@dataclass(slots=True)
class Evidence:
    """Where a rule looked and what it saw. `turn` is the 1-based turn number."""

    turn: int | None = None
    speaker: str = ""
    time: float | None = None
    text: str = ""
    match: str = ""


@dataclass(slots=True)
class RuleOutcome:
    rule: str
    category: str
    status: str  # pass | fail | n/a
    severity: str
    weight: float
    message: str
    tip: str
    evidence: list[Evidence] = field(default_factory=list)
    note: str = ""  # why n/a, or the metric's value


@dataclass(slots=True)
class CategoryScore:
    score: float | None
    passed: bool | None


@dataclass(slots=True)
class ConversationResult:
    conversation_id: str
    source: str
    agent: str
    language: str
    ruleset: str
    score: float | None
    passed: bool
    auto_failed: bool
    categories: dict[str, CategoryScore]
    outcomes: list[RuleOutcome]
    metadata: dict = field(default_factory=dict)
    channel: str = ""
    turns: int = 0
    ruleset_language: str = ""

    @property
    def failed_rules(self) -> list[str]:
        return [o.rule for o in self.outcomes if o.status == FAIL]
