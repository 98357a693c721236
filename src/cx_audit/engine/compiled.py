"""A ruleset compiled once into one matcher; conversations stream through `evaluate`.

Per conversation: fold each turn once, scan all phrases of all rules in one pass, hand each hit
to the rules that own its phrase, then let each rule's kind decide pass / fail / n/a from its
hits. Regex rules (rare) run on the turns in their scope only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterator

from rapidfuzz import fuzz, process

from cx_audit.engine.literals import has_unsafe_text, required_literals
from cx_audit.engine.matcher import PhraseMatcher
from cx_audit.engine.metrics import METRIC_FUNCTIONS
from cx_audit.engine.values import data_values, mostly_number
from cx_audit.model import Transcript
from cx_audit.normalize import fold, fold_keep_punct, original_words
from cx_audit.results import FAIL, NA, PASS, ConversationResult, Evidence, RuleOutcome
from cx_audit.ruleset.model import TIMED_METRICS, ExactPhrase, Rule, Ruleset, Scope
from cx_audit.scoring import score_outcomes

MAIN, UNLESS, TRIGGER, TRIGGER_UNLESS = 0, 1, 2, 3


class _TurnText:
    """What the rules need of one turn text, worked out once per distinct text (see `MEMO_TURNS`):
    the folded text, the phrase hits per (rule index, slot) as (rule index, slot, start, end),
    the regex prefilter keys whose literals occur, and, on demand, the `fold_keep_punct` text,
    each regex's first match in it, the evidence text of a phrase hit per (start, end) and the
    sentences each `unit: sentence` repetition rule compares."""

    __slots__ = ("folded", "owned", "literal_keys", "unsafe", "punct", "regex", "words", "sentences")

    def __init__(self, folded: str, owned: tuple, literal_keys: tuple, unsafe: bool):
        self.folded = folded
        self.owned = owned
        self.literal_keys = literal_keys
        self.unsafe = unsafe
        self.punct: str | None = None
        self.regex: dict[tuple[int, int, int], str | None] = {}
        self.words: dict[tuple[int, int], str] = {}
        self.sentences: dict[int, tuple[tuple[str, str], ...]] = {}


@dataclass
class _CompiledRule:
    rule: Rule
    index: int
    regex: list[re.Pattern] = field(default_factory=list)
    trigger_regex: list[re.Pattern] = field(default_factory=list)
    # per pattern: True when it runs only on turns holding one of its required literals
    regex_filtered: list[bool] = field(default_factory=list)
    trigger_filtered: list[bool] = field(default_factory=list)
    # small ints naming the rule's scope and its trigger's scope, for the per-conversation cache
    scope_key: int = 0
    trigger_scope: Scope | None = None
    trigger_scope_key: int = 0


class _Conversation:
    """One transcript prepared for the rules: folded turns, hits per rule, scope selections."""

    def __init__(self, transcript: Transcript, texts: list[_TurnText]):
        self.transcript = transcript
        self.turns = transcript.turns
        self.texts = texts
        self.folded = [t.folded for t in texts]
        self._scopes: dict[int, list[int] | None] = {}
        self._scope_sets: dict[int, set[int]] = {}
        self.timed = any(t.start is not None for t in self.turns)
        # (rule index, slot) -> pattern index -> turns holding a required literal of the pattern;
        # None when the prefilter is off for this conversation
        self.literal_turns: dict[tuple[int, int], dict[int, set[int]]] | None = None

    def punct(self, i: int) -> str:
        info = self.texts[i]
        text = info.punct
        if text is None:
            text = info.punct = fold_keep_punct(self.turns[i].text)
        return text

    def search(self, i: int, key: tuple[int, int, int], pattern: re.Pattern) -> str | None:
        """The text a regex rule reports for turn i (its match), or None when it does not match."""
        info = self.texts[i]
        if key in info.regex:
            return info.regex[key]
        punct = self.punct(i)
        m = pattern.search(punct)
        found = info.regex[key] = (m.group() or punct[:40]) if m else None
        return found

    def select(self, scope: Scope, key: int) -> list[int] | None:
        """Turn indices in scope; None when the scope needs times and the transcript has none.
        `key` names the scope (equal scopes, equal keys: see `CompiledRuleset._scope_key`)."""
        scopes = self._scopes
        if key in scopes:
            return scopes[key]
        if scope.needs_times and not self.timed:
            scopes[key] = None
            return None
        speakers = scope.speakers
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
        scopes[key] = chosen
        return chosen

    def selected(self, key: int) -> set[int]:
        """The turns of an already selected scope, as a set."""
        chosen = self._scope_sets.get(key)
        if chosen is None:
            chosen = self._scope_sets[key] = set(self._scopes[key] or ())
        return chosen

    def evidence(self, i: int, start: int | None = None, end: int | None = None, match: str | None = None) -> Evidence:
        turn = self.turns[i]
        if match is None and start is not None and end is not None:
            words = self.texts[i].words
            match = words.get((start, end))
            if match is None:
                match = words[(start, end)] = original_words(turn.text, self.folded[i], start, end)
        return Evidence(turn=i + 1, speaker=turn.speaker or turn.role, time=turn.start, text=turn.text, match=match or "")


class CompiledRuleset:
    """Compile a `Ruleset` once; then `evaluate(transcript)` for each conversation."""

    # Distinct turn texts whose analysis is remembered (scripted greetings and closings, short
    # answers come back again and again); the memo is emptied when full, so memory stays bounded.
    MEMO_TURNS = 5_000

    def __init__(self, ruleset: Ruleset):
        self.ruleset = ruleset
        self.matcher = PhraseMatcher()
        self.rules: list[_CompiledRule] = []
        # entry id -> [(rule index, slot)]: who cares about a phrase hit
        self._owners: dict[int, list[tuple[int, int]]] = {}
        # literal entry id -> [(rule index, slot, pattern index)]: the regexes it prefilters
        self._literal_owners: dict[int, list[tuple[int, int, int]]] = {}
        self._scope_keys: dict[Scope, int] = {}
        for rule in ruleset.rules:
            if not rule.enabled:
                continue
            compiled = _CompiledRule(rule, len(self.rules))
            compiled.scope_key = self._scope_key(rule.scope)
            self.rules.append(compiled)
            self._own(rule.phrases, rule.fuzzy, compiled.index, MAIN)
            self._own(rule.unless, 0, compiled.index, UNLESS)
            compiled.regex = [re.compile(p) for p in rule.regex]
            compiled.regex_filtered = [self._prefilter(p, compiled.index, MAIN, k) for k, p in enumerate(compiled.regex)]
            if rule.trigger is not None:
                self._own(rule.trigger.phrases, rule.trigger.fuzzy, compiled.index, TRIGGER)
                self._own(rule.trigger.unless, 0, compiled.index, TRIGGER_UNLESS)
                compiled.trigger_regex = [re.compile(p) for p in rule.trigger.regex]
                compiled.trigger_scope = Scope(speakers=rule.trigger.speakers)
                compiled.trigger_scope_key = self._scope_key(compiled.trigger_scope)
                compiled.trigger_filtered = [
                    self._prefilter(p, compiled.index, TRIGGER, k) for k, p in enumerate(compiled.trigger_regex)
                ]
        self.prefiltered = bool(self._literal_owners)
        self.matcher.build()
        # entry id -> (owners, regex prefilter keys) of its hits, for the entries anyone owns
        self._routes: dict[int, tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int, int], ...]]] = {
            entry: (tuple(self._owners.get(entry, ())), tuple(self._literal_owners.get(entry, ())))
            for entry in set(self._owners) | set(self._literal_owners)
        }
        self._memo: dict[str, _TurnText] = {}

    def _scope_key(self, scope: Scope) -> int:
        return self._scope_keys.setdefault(scope, len(self._scope_keys))

    def _prefilter(self, pattern: re.Pattern, rule_index: int, slot: int, k: int) -> bool:
        literals = required_literals(pattern)
        if not literals:
            return False
        for literal in literals:
            self._literal_owners.setdefault(self.matcher.add_literal(literal), []).append((rule_index, slot, k))
        return True

    def _own(self, phrases: tuple[str, ...], fuzzy: int, rule_index: int, slot: int) -> None:
        for phrase in phrases:
            entry = self.matcher.add(fold(phrase), 0 if isinstance(phrase, ExactPhrase) else fuzzy)
            owners = self._owners.setdefault(entry, [])
            if (rule_index, slot) not in owners:
                owners.append((rule_index, slot))

    def _turn_text(self, text: str) -> _TurnText:
        """Fold and scan one turn text (a memo miss); hits in (turn start, entry) order."""
        folded = fold(text)
        owned: list[tuple[int, int, int, int]] = []
        literal_keys: dict[tuple[int, int, int], None] = {}
        routes = self._routes
        for start, entry, end, _ in self.matcher.turn_hits(folded, remember=False):
            route = routes.get(entry)
            if route is None:
                continue
            owners, keys = route
            for rule_index, slot in owners:
                owned.append((rule_index, slot, start, end))
            for key in keys:
                literal_keys[key] = None
        info = _TurnText(folded, tuple(owned), tuple(literal_keys), has_unsafe_text(text))
        memo = self._memo
        if len(memo) >= self.MEMO_TURNS:
            memo.clear()
        memo[text] = info
        return info

    def evaluate(self, transcript: Transcript) -> list[RuleOutcome]:
        memo = self._memo
        texts = []
        for turn in transcript.turns:
            info = memo.get(turn.text)
            texts.append(info if info is not None else self._turn_text(turn.text))
        conv = _Conversation(transcript, texts)
        # (rule index, slot) -> [(turn, start, end)] in (turn, start, entry) order
        per_rule: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        literal_turns: dict[tuple[int, int], dict[int, set[int]]] = {}
        unsafe = False
        for i, info in enumerate(texts):
            for rule_index, slot, start, end in info.owned:
                found = per_rule.get((rule_index, slot))
                if found is None:
                    per_rule[(rule_index, slot)] = [(i, start, end)]
                else:
                    found.append((i, start, end))
            for rule_index, slot, k in info.literal_keys:
                patterns = literal_turns.get((rule_index, slot))
                if patterns is None:
                    literal_turns[(rule_index, slot)] = {k: {i}}
                else:
                    held = patterns.get(k)
                    if held is None:
                        patterns[k] = {i}
                    else:
                        held.add(i)
            unsafe = unsafe or info.unsafe
        if self.prefiltered and not unsafe:
            conv.literal_turns = literal_turns
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


def _matches(compiled: _CompiledRule, conv: _Conversation, per_rule: dict, slot: int, turns: list[int], key: int) -> list[tuple[int, int, int, str | None]]:
    """(turn, start, end, regex text or None) of the rule's phrases (or trigger) in `turns`, the
    turns of the scope selected under `key`."""
    hits = per_rule.get((compiled.index, slot))
    if hits:
        wanted = conv.selected(key)
        found = [(t, start, end, None) for t, start, end in hits if t in wanted]
    else:
        found = []
    patterns = compiled.trigger_regex if slot == TRIGGER else compiled.regex if slot == MAIN else ()
    filtered = compiled.trigger_filtered if slot == TRIGGER else compiled.regex_filtered
    held = None
    if patterns and conv.literal_turns is not None:
        held = conv.literal_turns.get((compiled.index, slot))
        if held is None and all(filtered):
            # No turn holds any string the patterns require: none can match, none is searched.
            patterns = ()
    for k, pattern in enumerate(patterns):
        candidates = turns
        if conv.literal_turns is not None and filtered[k]:
            # Turns without any string the pattern requires cannot match: not searched.
            holding = held.get(k) if held else None
            candidates = [i for i in turns if i in holding] if holding else ()
        search_key = (compiled.index, slot, k)
        for i in candidates:
            text = conv.search(i, search_key, pattern)
            if text is not None:
                found.append((i, -1, -1, text))
    if len(found) > 1:
        found.sort(key=lambda f: (f[0], f[1], f[1] - f[2]))  # at one place, the longest match first
    return found


def _excused(match: tuple[int, int, int, str | None], excuses) -> bool:
    """A phrase match inside an `unless` match in the same turn (regex matches are never excused)."""
    i, start, end, _ = match
    return start >= 0 and any(t == i and x_start <= start and end <= x_end for t, x_start, x_end in excuses)


def _ev(conv: _Conversation, match: tuple[int, int, int, str | None]) -> Evidence:
    i, start, end, text = match
    return conv.evidence(i, match=text) if text is not None else conv.evidence(i, start, end)


def _require(compiled, conv, per_rule) -> RuleOutcome:
    turns = conv.select(compiled.rule.scope, compiled.scope_key)
    if turns is None:
        return _outcome(compiled, NA, note="no turn times")
    if not turns:
        return _outcome(compiled, NA, note="no turns in scope")
    found = _matches(compiled, conv, per_rule, MAIN, turns, compiled.scope_key)
    if len(found) >= compiled.rule.min_count:
        return _outcome(compiled, PASS, [_ev(conv, found[0])])
    return _outcome(compiled, FAIL, note=f"found {len(found)} of {compiled.rule.min_count}")


def _forbid(compiled, conv, per_rule) -> RuleOutcome:
    turns = conv.select(compiled.rule.scope, compiled.scope_key)
    if turns is None:
        return _outcome(compiled, NA, note="no turn times")
    if not turns:
        return _outcome(compiled, NA, note="no turns in scope")
    if _no_match_possible(compiled, conv, per_rule, MAIN):  # the common case: nothing forbidden said
        return _outcome(compiled, PASS)
    excuses = per_rule.get((compiled.index, UNLESS), ())
    evidence: list[Evidence] = []
    flagged: set[int] = set()
    for match in _matches(compiled, conv, per_rule, MAIN, turns, compiled.scope_key):
        i, start, end, _ = match
        if i in flagged:
            continue
        if _excused(match, excuses):
            continue
        flagged.add(i)
        evidence.append(_ev(conv, match))
    return _outcome(compiled, FAIL, evidence) if evidence else _outcome(compiled, PASS)


def _no_match_possible(compiled: _CompiledRule, conv: _Conversation, per_rule: dict, slot: int) -> bool:
    """True when the rule's slot has no phrase hit in the conversation and none of its regexes can
    match (no regex, or the prefilter rules them all out): `_matches` would find nothing."""
    if (compiled.index, slot) in per_rule:
        return False
    patterns = compiled.trigger_regex if slot == TRIGGER else compiled.regex
    if not patterns:
        return True
    filtered = compiled.trigger_filtered if slot == TRIGGER else compiled.regex_filtered
    return conv.literal_turns is not None and (compiled.index, slot) not in conv.literal_turns and all(filtered)


def _respond(compiled, conv, per_rule) -> RuleOutcome:
    rule = compiled.rule
    assert rule.trigger is not None
    if _no_match_possible(compiled, conv, per_rule, TRIGGER):  # the common case: no trigger at all
        return _outcome(compiled, NA, note="trigger not present")
    trigger_turns = conv.select(compiled.trigger_scope, compiled.trigger_scope_key)
    triggers = _matches(compiled, conv, per_rule, TRIGGER, trigger_turns or [], compiled.trigger_scope_key)
    excuses = per_rule.get((compiled.index, TRIGGER_UNLESS), ())
    if excuses:
        triggers = [m for m in triggers if not _excused(m, excuses)]
    if not triggers:
        return _outcome(compiled, NA, note="trigger not present")
    scoped = conv.select(rule.scope, compiled.scope_key)
    if scoped is None:
        return _outcome(compiled, NA, note="no turn times")
    responses = _matches(compiled, conv, per_rule, MAIN, scoped, compiled.scope_key)
    answer_excuses = per_rule.get((compiled.index, UNLESS), ())
    if answer_excuses:  # "no le puedo ofrecer" is no offer: an answer inside an `unless` match does not count
        responses = [r for r in responses if not _excused(r, answer_excuses)]
    failures: list[Evidence] = []
    answered: list[Evidence] = []
    seen_turns: set[int] = set()
    for trig in triggers:
        t = trig[0]
        if t in seen_turns:
            continue
        seen_turns.add(t)
        # An insistence comes after the trigger: with `expect: absent` the trigger turn itself is not
        # in its window, so a rule can watch the trigger's own speaker (the customer stating a
        # constraint again in the next turn) without every trigger turn failing itself.
        first = t + 1 if rule.expect == "absent" else t - rule.before
        window = [r for r in responses if first <= r[0] <= t + rule.within]
        if rule.expect == "present":
            if window:
                answered.append(_ev(conv, window[0]))
            else:
                failures.append(_ev(conv, trig))
        else:
            failures.extend(_ev(conv, r) for r in window)
    if failures and not (answered and not rule.each):
        return _outcome(compiled, FAIL, failures)
    return _outcome(compiled, PASS, answered or [_ev(conv, triggers[0])])


def _repetition(compiled, conv, per_rule) -> RuleOutcome:
    rule = compiled.rule
    turns = conv.select(rule.scope, compiled.scope_key)
    if turns is None:
        return _outcome(compiled, NA, note="no turn times")
    if rule.unit == "value":
        return _repetition_of_values(compiled, conv, turns, per_rule)
    if rule.phrases:  # only turns holding one of the phrases (a request for data, say) are compared
        holding = {t for t, _, _ in per_rule.get((compiled.index, MAIN), ())}
        turns = [i for i in turns if i in holding]
    if rule.unit == "sentence":
        return _repetition_of_sentences(compiled, conv, turns)
    if rule.unless:  # turns holding one of these (thanks, goodbyes) are not compared
        excused = {t for t, _, _ in per_rule.get((compiled.index, UNLESS), ())}
        turns = [i for i in turns if i not in excused]
    eligible = [i for i in turns if conv.folded[i].count(" ") + 1 >= rule.min_words and not mostly_number(conv.folded[i])]
    if len(eligible) < 2:
        return _outcome(compiled, NA, note="fewer than two turns to compare")
    texts = [conv.folded[i] for i in eligible]
    evidence = []
    for a, earlier in _similar_earlier(texts, rule.threshold):
        if len(earlier) + 1 >= rule.times:
            first = conv.turns[eligible[earlier[0]]]
            evidence.append(conv.evidence(eligible[a], match=f"≈ turn {eligible[earlier[0]] + 1}: {first.text[:80]}"))
    return _outcome(compiled, FAIL, evidence) if evidence else _outcome(compiled, PASS)


def _repetition_of_values(compiled, conv, turns: list[int], per_rule: dict) -> RuleOutcome:
    """`unit: value`: a data value (an e-mail, a number of four digits or more, a code) given again
    in a later turn in scope, when another speaker's turn came between and none of those turns
    said the value back (a read-back the customer confirms is no repeat). With `phrases`, the last
    of the turns between must hold one of them (the repeat answers a request for data), and with
    no turn outside the scope holding one the rule has nothing to judge (n/a); turns holding an
    `unless` phrase are not compared. `times` counts the mentions."""
    rule = compiled.rule
    asking = {t for t, _, _ in per_rule.get((compiled.index, MAIN), ())} if rule.phrases else None
    if asking is not None and not asking.difference(turns):
        return _outcome(compiled, NA, note="no request for data")
    in_scope = set(turns)  # the scope's turns, excused or not, are never "the other speaker"
    if rule.unless:
        excused = {t for t, _, _ in per_rule.get((compiled.index, UNLESS), ())}
        turns = [i for i in turns if i not in excused]
    given = [(i, data_values(conv.turns[i].text)) for i in turns]
    given = [(i, values) for i, values in given if values]
    if len(given) < 2:
        return _outcome(compiled, NA, note="fewer than two turns giving data")
    mentions: dict[str, list[int]] = {}  # value -> the turns that gave it, counted as repeats
    evidence = []
    for i, values in given:
        flagged = False
        for value in sorted(values):
            turns_before = mentions.get(value)
            if turns_before is None:
                mentions[value] = [i]
                continue
            between = [k for k in range(turns_before[-1] + 1, i) if k not in in_scope]
            repeated = bool(between) and not any(value in data_values(conv.turns[k].text) for k in between)
            if repeated and asking is not None:  # the repeat answers a request for data
                repeated = between[-1] in asking
            if not repeated:
                mentions[value] = [i]  # said back, or offered again unprompted: counting starts over
                continue
            turns_before.append(i)
            if len(turns_before) >= rule.times and not flagged:
                flagged = True
                evidence.append(conv.evidence(i, match=f"= turn {turns_before[0] + 1}: {value}"))
    return _outcome(compiled, FAIL, evidence) if evidence else _outcome(compiled, PASS)


@lru_cache(maxsize=1024)
def _padded(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """Folded phrases between spaces, to find them as whole words in a space-padded folded text."""
    return tuple(f" {fold(p)} " for p in phrases)


_SENTENCE_END = re.compile(r"[.?!;¿¡\n]+")


@lru_cache(maxsize=4096)
def _sentences(text: str) -> tuple[tuple[str, int, str], ...]:
    """(folded sentence, its word count, the sentence as written) for each sentence of a turn
    text; remembered, as scripted and short turns come back again and again (a bounded memo:
    each entry holds the text's sentences twice, folded and as written)."""
    out = []
    for piece in _SENTENCE_END.split(text):
        folded = fold(piece)
        if folded:
            out.append((folded, folded.count(" ") + 1, piece.strip()))
    return tuple(out)


def _repetition_of_sentences(compiled, conv, turns: list[int]) -> RuleOutcome:
    """`unit: sentence`: a sentence similar to sentences of earlier turns in scope (a request
    repeated inside a longer turn); sentences of one turn are never compared with each other. With
    `phrases`, only the sentences holding one of them (of the turns holding one); sentences holding
    an `unless` phrase, and sentences that are mostly a number read out, are left out."""
    rule = compiled.rule
    owners: list[int] = []  # the turn of each sentence
    texts: list[str] = []
    originals: list[str] = []
    for i in turns:
        for folded, original in _compared_sentences(compiled, conv.texts[i], conv.turns[i].text):
            owners.append(i)
            texts.append(folded)
            originals.append(original)
    if len(set(owners)) < 2:
        return _outcome(compiled, NA, note="fewer than two turns to compare")
    evidence = []
    flagged: set[int] = set()
    for a, earlier in _similar_earlier(texts, rule.threshold):
        earlier_turns = sorted({owners[b] for b in earlier if owners[b] != owners[a]})
        if owners[a] in flagged or len(earlier_turns) + 1 < rule.times:
            continue
        flagged.add(owners[a])
        first = next(b for b in earlier if owners[b] == earlier_turns[0])
        evidence.append(conv.evidence(owners[a], match=f"≈ turn {owners[first] + 1}: {originals[first][:80]}"))
    return _outcome(compiled, FAIL, evidence) if evidence else _outcome(compiled, PASS)


def _compared_sentences(compiled, info: _TurnText, text: str) -> tuple[tuple[str, str], ...]:
    """(folded, as written) of the sentences of a turn text that a `unit: sentence` rule compares;
    remembered with the turn text's analysis."""
    kept = info.sentences.get(compiled.index)
    if kept is None:
        rule = compiled.rule
        wanted, unwanted = _padded(rule.phrases), _padded(rule.unless)
        out = []
        for folded, words, original in _sentences(text):
            if words >= rule.min_words:
                padded = f" {folded} "
                if (wanted and not any(w in padded for w in wanted)) or any(u in padded for u in unwanted):
                    continue
                if mostly_number(folded):  # a number read out is data, not a request
                    continue
                out.append((folded, original))
        kept = info.sentences[compiled.index] = tuple(out)
    return kept


REPETITION_WINDOW = 64  # a request is compared with the 64 eligible turns before it, not all of them


def _similar_earlier(texts: list[str], threshold: float) -> Iterator[tuple[int, list[int]]]:
    """For each text, the earlier texts (within REPETITION_WINDOW) at least `threshold` similar.

    One rapidfuzz cpdist per block of REPETITION_BLOCK texts over the pairs (text, earlier text
    within the window): each pair is scored once, cost and memory grow linearly with the
    conversation (a 100,000-turn call stays bounded), and the pairs that reach the threshold are
    picked out by numpy, not by a Python loop over the scores."""
    import numpy as np  # here, not at the top: a process that only reads and writes (--workers) never loads it

    similar: dict[int, list[int]] = {}
    for block in range(0, len(texts), REPETITION_BLOCK):
        later, earlier = _pairs(block, min(len(texts), block + REPETITION_BLOCK))
        if not len(later):
            continue
        scores = process.cpdist([texts[a] for a in later.tolist()], [texts[b] for b in earlier.tolist()],
                                scorer=fuzz.token_set_ratio, score_cutoff=threshold)
        for k in np.flatnonzero(scores >= threshold).tolist():
            similar.setdefault(int(later[k]), []).append(int(earlier[k]))
    for a in range(1, len(texts)):
        yield a, similar.get(a, [])


REPETITION_BLOCK = 256


@lru_cache(maxsize=256)
def _pairs(first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) for first <= a < last and a - REPETITION_WINDOW <= b < a, b >= 0, by a then b."""
    import numpy as np

    spans = [(a, range(max(0, a - REPETITION_WINDOW), a)) for a in range(first, last)]
    later = [a for a, span in spans for _ in span]
    earlier = [b for _, span in spans for b in span]
    return np.array(later, dtype=np.int64), np.array(earlier, dtype=np.int64)


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
