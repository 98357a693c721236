"""What Transcribe Call Analytics and Contact Lens share: the `Transcript[]` turn shape."""

from __future__ import annotations

from typing import Any

from cx_audit.model import AGENT, BOT, CUSTOMER, SYSTEM, UNKNOWN

# Amazon participant roles -> canonical roles. A supervisor who speaks speaks for the company.
AMAZON_ROLES = {"AGENT": AGENT, "CUSTOMER": CUSTOMER, "SYSTEM": SYSTEM, "CUSTOM_BOT": BOT, "BOT": BOT, "SUPERVISOR": AGENT}


def amazon_role(value: Any) -> str:
    return AMAZON_ROLES.get(str(value or "").upper(), UNKNOWN)


def participant_roles(data: dict) -> dict[str, str]:
    """ParticipantId -> ParticipantRole from the `Participants` list (voice turns carry only the id)."""
    table: dict[str, str] = {}
    for participant in data.get("Participants") or []:
        if isinstance(participant, dict) and participant.get("ParticipantId") and participant.get("ParticipantRole"):
            table[str(participant["ParticipantId"])] = str(participant["ParticipantRole"])
    return table
