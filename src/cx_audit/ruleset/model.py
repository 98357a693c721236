"""The ruleset model: what a validated YAML ruleset file becomes."""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("critical", "major", "minor")
KINDS = ("require", "forbid", "respond", "repetition", "metric")
SPEAKERS = ("agent", "customer", "bot", "system", "unknown", "any")
METRICS = (
    "agent_talk_share",
    "longest_agent_turn_words",
    "agent_turns",
    "customer_turns",
    "interruptions",
    "quick_replies_to_long_turns",
    "longest_silence_seconds",
    "duration_seconds",
    "cut_offs",
)
REPETITION_UNITS = ("turn", "sentence", "value")
# Metrics that need turn times; a conversation without times gets n/a for them.
TIMED_METRICS = ("interruptions", "quick_replies_to_long_turns", "longest_silence_seconds", "duration_seconds")


class ExactPhrase(str):
    """A phrase written `{phrase: ..., exact: true}`: it matches exactly even in a rule with `fuzzy`,
    so that a near miss cannot flip its meaning ("i cant help you" ~ "i can help you"). Equal to
    the plain string, so lists, overrides and de-duplication treat it as the phrase it is."""

    __slots__ = ()


def unique_phrases(phrases) -> tuple[str, ...]:
    """The phrases without repeats, in first-seen order; a phrase marked exact anywhere stays exact."""
    out: dict[str, str] = {}
    for phrase in phrases:
        if phrase not in out or isinstance(phrase, ExactPhrase):
            out[phrase] = phrase
    return tuple(out.values())


@dataclass(slots=True, frozen=True)
class Scope:
    speakers: tuple[str, ...] = ("agent",)
    first_turns: int | None = None
    last_turns: int | None = None
    first_seconds: float | None = None
    last_seconds: float | None = None
    skip_first_turns: int | None = None  # leave out the first N turns of those speakers

    @property
    def needs_times(self) -> bool:
        return self.first_seconds is not None or self.last_seconds is not None


@dataclass(slots=True, frozen=True)
class Trigger:
    phrases: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ("customer",)
    fuzzy: int = 0
    unless: tuple[str, ...] = ()  # phrases that excuse an overlapping trigger match in the same turn


@dataclass(slots=True)
class Rule:
    id: str
    category: str
    kind: str
    message: str
    tip: str
    source: str
    severity: str = "major"
    weight: float = 1.0
    scope: Scope = field(default_factory=Scope)
    description: str = ""
    enabled: bool = True
    phrases: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    fuzzy: int = 0
    unless: tuple[str, ...] = ()
    min_count: int = 1
    trigger: Trigger | None = None
    within: int = 2
    before: int = 0  # respond (expect: present): an answer up to this many turns before the trigger also counts
    expect: str = "present"
    each: bool = True  # respond: every trigger turn needs its answer (False: one answered trigger is enough)
    threshold: float = 85.0
    times: int = 2
    min_words: int = 4
    unit: str = "turn"  # repetition: compare whole turns, the sentences of turns ("sentence") or the data values they give ("value")
    metric: str = ""
    max: float | None = None
    min: float | None = None
    seconds: float = 3.0
    words: int = 25
    location: str = ""  # "file:line" where the rule starts


@dataclass(slots=True)
class Category:
    id: str
    weight: float = 1.0
    name: str = ""
    description: str = ""
    pass_mark: float | None = None  # None: the ruleset's pass_mark


@dataclass(slots=True)
class Ruleset:
    id: str
    name: str
    language: str
    version: str
    description: str
    pass_mark: float
    categories: dict[str, Category]
    rules: list[Rule]
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    path: str = ""

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    @property
    def label(self) -> str:
        """What results show in their `ruleset` column: `id@version`."""
        return f"{self.id}@{self.version}"
