"""Scoring: rule outcomes -> category scores -> the conversation's score and verdict.

A category's score is the weight of its passed rules over the weight of its rules that are not
n/a, times 100; all n/a gives null. The overall score is the mean of the non-null category scores
weighted by category weight. A category passes at or above its own pass_mark when it has one,
the ruleset's otherwise. A failed critical rule auto-fails the conversation.
"""

from __future__ import annotations

from cx_audit.results import FAIL, NA, PASS, CategoryScore, RuleOutcome
from cx_audit.ruleset.model import Ruleset


def score_outcomes(ruleset: Ruleset, outcomes: list[RuleOutcome]) -> tuple[float | None, bool, bool, dict[str, CategoryScore]]:
    """Return (score, passed, auto_failed, categories)."""
    earned: dict[str, float] = {cid: 0.0 for cid in ruleset.categories}
    possible: dict[str, float] = {cid: 0.0 for cid in ruleset.categories}
    auto_failed = False
    for outcome in outcomes:
        if outcome.status == NA:
            continue
        possible[outcome.category] = possible.get(outcome.category, 0.0) + outcome.weight
        if outcome.status == PASS:
            earned[outcome.category] = earned.get(outcome.category, 0.0) + outcome.weight
        elif outcome.status == FAIL and outcome.severity == "critical":
            auto_failed = True
    categories: dict[str, CategoryScore] = {}
    total = 0.0
    total_weight = 0.0
    for cid, category in ruleset.categories.items():
        if possible.get(cid, 0.0) <= 0:
            categories[cid] = CategoryScore(None, None)
            continue
        value = round(100.0 * earned[cid] / possible[cid], 2)
        mark = ruleset.pass_mark if category.pass_mark is None else category.pass_mark
        categories[cid] = CategoryScore(value, value >= mark)
        total += value * category.weight
        total_weight += category.weight
    score = round(total / total_weight, 2) if total_weight else None
    # A conversation with nothing to judge (every category n/a) is not failed.
    passed = (not auto_failed) and (score is None or score >= ruleset.pass_mark)
    return score, passed, auto_failed, categories


NEAR_MISS_POINTS = 20


def band(score: float | None, pass_mark: float) -> str:
    """The band every report colours a score by: "pass" (at or above the pass mark), "near"
    (within 20 points below it), "low", or "" when there is no score."""
    if score is None:
        return ""
    if score >= pass_mark:
        return "pass"
    if score >= pass_mark - NEAR_MISS_POINTS:
        return "near"
    return "low"
