"""A ruleset compiled once into one matcher; conversations stream through `evaluate`.

Per conversation: fold each turn once, scan all phrases of all rules in one pass, hand each hit
to the rules that own its phrase, then let each rule's kind decide pass / fail / n/a from its
hits. Regex rules (rare) run on the turns in their scope only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from rapidfuzz import fuzz, process

from tests.reference.matcher import Hit, PhraseMatcher
from cx_audit.engine.metrics import METRIC_FUNCTIONS
from cx_audit.model import Transcript
from cx_audit.normalize import fold, fold_keep_punct, original_words
from cx_audit.results import FAIL, NA, PASS, ConversationResult, Evidence, RuleOutcome
from cx_audit.ruleset.model import TIMED_METRICS, Rule, Ruleset, Scope
from cx_audit.scoring import score_outcomes

MAIN, UNLESS, TRIGGER = 0, 1, 2


@dataclass(slots=True)
class _RegexHit:
    turn: int
    start: int
    end: int
    text: str


@dataclass
class _CompiledRule:
    rule: Rule
    index: int
    regex: list[re.Pattern] = field(default_factory=list)
    trigger_regex: list[re.Pattern] = field(default_factory=list)


class _Conversation:
    """One transcript prepared for the rules: folded turns, hits per rule, scope selections."""

    def __init__(self, transcript: Transcript, folded: list[str]):
        self.transcript = transcript
        self.turns = transcript.turns
        self.folded = folded
        self._punct: list[str] | None = None
        self._scopes: dict[tuple, list[int]] = {}
        self.timed = any(t.start is not None for t in self.turns)

    def punct(self, i: int) -> str:
        if self._punct is None:
            self._punct = [fold_keep_punct(t.text) for t in self.turns]
        return self._punct[i]

    def select(self, scope: Scope, speakers: tuple[str, ...] | None = None) -> list[int] | None:
        """Turn indices in scope; None when the scope needs times and the transcript has none."""
        speakers = speakers or scope.speakers
        key = (scope, speakers)
        if key in self._scopes:
            return self._scopes[key]
        if scope.needs_times and not self.timed:
            return None
        chosen = [i for i, t in enumerate(self.turns) if t.role in speakers]
        if scope.skip_first_turns:
            chosen = chosen[scope.skip_first_turns :]
        if scope.first_turns:
            chosen = chosen[: scope.first_turns]
        if scope.last_turns:
            chosen = chosen[-scope.last_turns :]
        if scope.first_seconds is not None or scope.last_seconds is not None:
            times = [t.start for t in self.turns if t.start is not None]
            begin, finish = min(times), max(times)
            keep = []
            for i in chosen:
                start = self.turns[i].start
                if start is None:
                    continue
                if scope.first_seconds is not None and start - begin > scope.first_seconds:
                    continue
                if scope.last_seconds is not None and finish - start > scope.last_seconds:
                    continue
                keep.append(i)
            chosen = keep
        self._scopes[key] = chosen
        return chosen

    def evidence(self, i: int, start: int | None = None, end: int | None = None, match: str | None = None) -> Evidence:
        turn = self.turns[i]
        if match is None and start is not None and end is not None:
            match = original_words(turn.text, self.folded[i], start, end)
        return Evidence(turn=i + 1, speaker=turn.speaker or turn.role, time=turn.start, text=turn.text, match=match or "")


class CompiledRuleset:
    """Compile a `Ruleset` once; then `evaluate(transcript)` for each conversation."""

    def __init__(self, ruleset: Ruleset):
        self.ruleset = ruleset
        self.matcher = PhraseMatcher()
        self.rules: list[_CompiledRule] = []
        # entry id -> [(rule index, slot)]: who cares about a phrase hit
        self._owners: dict[int, list[tuple[int, int]]] = {}
        for rule in ruleset.rules:
            if not rule.enabled:
                continue
            compiled = _CompiledRule(rule, len(self.rules))
            self.rules.append(compiled)
            self._own(rule.phrases, rule.fuzzy, compiled.index, MAIN)
            self._own(rule.unless, 0, compiled.index, UNLESS)
            compiled.regex = [re.compile(p) for p in rule.regex]
            if rule.trigger is not None:
                self._own(rule.trigger.phrases, rule.trigger.fuzzy, compiled.index, TRIGGER)
                compiled.trigger_regex = [re.compile(p) for p in rule.trigger.regex]
        self.matcher.build()

    def _own(self, phrases: tuple[str, ...], fuzzy: int, rule_index: int, slot: int) -> None:
        for phrase in phrases:
            entry = self.matcher.add(fold(phrase), fuzzy)
            owners = self._owners.setdefault(entry, [])
            if (rule_index, slot) not in owners:
                owners.append((rule_index, slot))

    def evaluate(self, transcript: Transcript) -> list[RuleOutcome]:
        folded = [fold(t.text) for t in transcript.turns]
        conv = _Conversation(transcript, folded)
        per_rule: dict[tuple[int, int], list[Hit]] = {}
        for hit in self.matcher.scan(folded):
            for owner in self._owners.get(hit.entry, ()):
                per_rule.setdefault(owner, []).append(hit)
        outcomes = []
        for compiled in self.rules:
            evaluate_kind = KINDS[compiled.rule.kind]
            outcomes.append(evaluate_kind(compiled, conv, per_rule))
        return outcomes

    def score(self, transcript: Transcript) -> ConversationResult:
        outcomes = self.evaluate(transcript)
        score, passed, auto_failed, categories = score_outcomes(self.ruleset, outcomes)
        return ConversationResult(
            conversation_id=transcript.conversation_id,
            source=transcript.source,
            agent=transcript.agent,
            language=transcript.language or self.ruleset.language,
            ruleset=self.ruleset.label,
            score=score,
            passed=passed,
            auto_failed=auto_failed,
            categories=categories,
            outcomes=outcomes,
            metadata=dict(transcript.metadata),
            channel=transcript.channel,
            turns=len(transcript.turns),
            ruleset_language=self.ruleset.language,
        )


# ---- the kinds ------------------------------------------------------------------------------


def _outcome(compiled: _CompiledRule, status: str, evidence: list[Evidence] | None = None, note: str = "") -> RuleOutcome:
    rule = compiled.rule
    return RuleOutcome(rule.id, rule.category, status, rule.severity, rule.weight, rule.message, rule.tip, evidence or [], note)


def _matches(compiled: _CompiledRule, conv: _Conversation, per_rule: dict, slot: int, turns: list[int]) -> list[tuple[int, int, int, str | None]]:
    """(turn, start, end, regex text or None) of the rule's phrases (or trigger) in `turns`."""
    wanted = set(turns)
    found = [(h.turn, h.start, h.end, None) for h in per_rule.get((compiled.index, slot), ()) if h.turn in wanted]
    patterns = compiled.trigger_regex if slot == TRIGGER else compiled.regex if slot == MAIN else []
    for pattern in patterns:
        for i in turns:
            m = pattern.search(conv.punct(i))
            if m:
                found.append((i, -1, -1, m.group() or conv.punct(i)[:40]))
    found.sort(key=lambda f: (f[0], f[1], f[1] - f[2]))  # at one place, the longest match first
    return found


def _ev(conv: _Conversation, match: tuple[int, int, int, str | None]) -> Evidence:
    i, start, end, text = match
    return conv.evidence(i, match=text) if text is not None else conv.evidence(i, start, end)


def _require(compiled, conv, per_rule) -> RuleOutcome:
    turns = conv.select(compiled.rule.scope)
    if turns is None:
        return _outcome(compiled, NA, note="no turn times")
    if not turns:
        return _outcome(compiled, NA, note="no turns in scope")
    found = _matches(compiled, conv, per_rule, MAIN, turns)
    if len(found) >= compiled.rule.min_count:
        return _outcome(compiled, PASS, [_ev(conv, found[0])])
    return _outcome(compiled, FAIL, note=f"found {len(found)} of {compiled.rule.min_count}")


def _forbid(compiled, conv, per_rule) -> RuleOutcome:
    turns = conv.select(compiled.rule.scope)
    if turns is None:
        return _outcome(compiled, NA, note="no turn times")
    if not turns:
        return _outcome(compiled, NA, note="no turns in scope")
    excuses = per_rule.get((compiled.index, UNLESS), ())
    evidence: list[Evidence] = []
    flagged: set[int] = set()
    for match in _matches(compiled, conv, per_rule, MAIN, turns):
        i, start, end, _ = match
        if i in flagged:
            continue
        if start >= 0 and any(x.turn == i and x.start <= start and end <= x.end for x in excuses):
            continue
        flagged.add(i)
        evidence.append(_ev(conv, match))
    return _outcome(compiled, FAIL, evidence) if evidence else _outcome(compiled, PASS)


def _respond(compiled, conv, per_rule) -> RuleOutcome:
    rule = compiled.rule
    assert rule.trigger is not None
    trigger_turns = conv.select(Scope(speakers=rule.trigger.speakers))
    triggers = _matches(compiled, conv, per_rule, TRIGGER, trigger_turns or [])
    if not triggers:
        return _outcome(compiled, NA, note="trigger not present")
    scoped = conv.select(rule.scope)
    if scoped is None:
        return _outcome(compiled, NA, note="no turn times")
    responses = _matches(compiled, conv, per_rule, MAIN, scoped)
    failures: list[Evidence] = []
    answered: list[Evidence] = []
    seen_turns: set[int] = set()
    for trig in triggers:
        t = trig[0]
        if t in seen_turns:
            continue
        seen_turns.add(t)
        window = [r for r in responses if t <= r[0] <= t + rule.within]
        if rule.expect == "present":
            if window:
                answered.append(_ev(conv, window[0]))
            else:
                failures.append(_ev(conv, trig))
        else:
            failures.extend(_ev(conv, r) for r in window)
    if failures:
        return _outcome(compiled, FAIL, failures)
    return _outcome(compiled, PASS, answered or [_ev(conv, triggers[0])])


def _repetition(compiled, conv, per_rule) -> RuleOutcome:
    rule = compiled.rule
    turns = conv.select(rule.scope)
    if turns is None:
        return _outcome(compiled, NA, note="no turn times")
    eligible = [i for i in turns if conv.folded[i].count(" ") + 1 >= rule.min_words]
    if len(eligible) < 2:
        return _outcome(compiled, NA, note="fewer than two turns to compare")
    texts = [conv.folded[i] for i in eligible]
    matrix = process.cdist(texts, texts, scorer=fuzz.token_set_ratio, score_cutoff=rule.threshold)
    evidence = []
    for a in range(1, len(eligible)):
        earlier = [b for b in range(a) if matrix[a][b] >= rule.threshold]
        if len(earlier) + 1 >= rule.times:
            first = conv.turns[eligible[earlier[0]]]
            evidence.append(conv.evidence(eligible[a], match=f"≈ turn {eligible[earlier[0]] + 1}: {first.text[:80]}"))
    return _outcome(compiled, FAIL, evidence) if evidence else _outcome(compiled, PASS)


def _metric(compiled, conv, per_rule) -> RuleOutcome:
    rule = compiled.rule
    value = METRIC_FUNCTIONS[rule.metric](conv.transcript, rule)
    if value is None:
        return _outcome(compiled, NA, note="no turn times" if rule.metric in TIMED_METRICS else "nothing to measure")
    note = f"{rule.metric} = {value:g}"
    too_high = rule.max is not None and value > rule.max
    too_low = rule.min is not None and value < rule.min
    if too_high or too_low:
        bound = f"max {rule.max:g}" if too_high else f"min {rule.min:g}"
        return _outcome(compiled, FAIL, [Evidence(match=f"{note} ({bound})")], note)
    return _outcome(compiled, PASS, note=note)


KINDS: dict[str, Callable[[_CompiledRule, _Conversation, dict], RuleOutcome]] = {
    "require": _require,
    "forbid": _forbid,
    "respond": _respond,
    "repetition": _repetition,
    "metric": _metric,
}
