"""The canonical transcript model every loader produces and the engine consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AGENT = "agent"
CUSTOMER = "customer"
BOT = "bot"
SYSTEM = "system"
UNKNOWN = "unknown"
ROLES = (AGENT, CUSTOMER, BOT, SYSTEM, UNKNOWN)

# The metadata keys the reports group by; loaders keep any other column too.
META_KEYS = ("agent", "team", "queue", "date")


@dataclass(slots=True)
class Turn:
    """One speaker turn. `start`/`end` are seconds from the start of the conversation, when known."""

    role: str
    text: str
    speaker: str = ""
    start: float | None = None
    end: float | None = None
    # How the role was decided: "label" (a known speaker label), "vendor", "map" (--role-map),
    # "heuristic", or "unknown".
    role_source: str = "label"


@dataclass(slots=True)
class Transcript:
    conversation_id: str
    source: str  # "path" or "path:line" / "path#record" where the conversation starts
    turns: list[Turn]
    channel: str = ""  # "voice", "chat", "email", "social" or "" when unknown
    language: str = ""  # ISO 639-1 when known ("es", "en"); "" lets --lang auto decide
    metadata: dict[str, Any] = field(default_factory=dict)
    format: str = ""  # name of the loader that read it

    @property
    def agent(self) -> str:
        value = self.metadata.get("agent")
        return "" if value is None else str(value)


def merge_consecutive(turns: list[Turn]) -> list[Turn]:
    """Merge consecutive turns of one speaker (same role and name) into one turn."""
    merged: list[Turn] = []
    for turn in turns:
        if merged and merged[-1].role == turn.role and merged[-1].speaker == turn.speaker:
            last = merged[-1]
            last.text = f"{last.text} {turn.text}".strip() if last.text else turn.text
            if turn.end is not None:
                last.end = turn.end
            if last.start is None:
                last.start = turn.start
        else:
            merged.append(turn)
    return merged
