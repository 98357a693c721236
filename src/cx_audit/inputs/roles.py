"""Role resolution: the step after loading that decides who is the agent when the file does not say.

`resolve_roles(transcript, options)` changes the turns' roles in place and returns warnings:

1. `options.role_map` (`--role-map spk_0=agent`, `--role-map "Soporte Acme=agent"`): a turn whose
   speaker label or name matches a key (case- and accent-insensitive) takes that role, with
   role_source "map". The map is the user's word: it overrides vendor labels too, which is how a
   wrong vendor label is fixed.
2. The greeting heuristic, for speakers still "unknown": the first speaker whose turn opens like
   an agent ("thank you for calling/contacting", "gracias por llamar/comunicarse", "how can/may I
   help", "¿en qué puedo ayudarle?", "le atiende", "welcome to ..."; see `AGENT_OPENINGS`) is the
   agent; every other unknown speaker is then the customer. Role_source "heuristic". When no
   unknown speaker greets but the agent is already known (mapped, labelled or from the vendor),
   the unknown speakers are customers. Otherwise roles stay unknown and a warning says so.
3. A contradiction check: when the vendor labels a speaker customer but that speaker opens like an
   agent (the shared PCA sample labels "Thank you for calling ... technical support" as the
   customer), a warning names the speaker and the fix. Vendor roles are not changed.

Turns with role_source "label" or "vendor" are never changed by the heuristic.
"""

from __future__ import annotations

import re
import unicodedata

from cx_audit.inputs.base import LoadOptions
from cx_audit.inputs.labels import normalize_label, role_word
from cx_audit.model import AGENT, CUSTOMER, UNKNOWN, Transcript

# Phrases an agent opens with, matched on lower-case, accent-free text.
AGENT_OPENINGS = re.compile(
    r"\b(?:"
    r"thanks? (?:you )?for (?:calling|contacting|reaching|choosing|holding)"
    r"|how (?:can|may|could) (?:i|we) (?:help|assist)"
    r"|what can i (?:help you with|do for you)"
    r"|welcome to\b"
    r"|gracias por (?:llamar|comunicarse|comunicarte|contactar|su llamada|tu llamada|elegir|escribir|contactarnos)"
    r"|en que (?:(?:le|te|les|lo|la) )?(?:puedo|podemos|podria|le puedo|te puedo) (?:(?:le|te|les) )?(?:ayudar|servir|asistir|atender)"
    r"|(?:le|te) atiende\b"
    r"|bienvenid[oa]s? a\b"
    r")"
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]", " ", bare).split())


def opens_like_agent(text: str) -> bool:
    return bool(AGENT_OPENINGS.search(_fold(text)))


def _speaker_key(speaker: str) -> str:
    return normalize_label(speaker) if speaker else ""


def resolve_roles(transcript: Transcript, options: LoadOptions) -> list[str]:
    """Apply the role map, then the greeting heuristic; return warnings (see the module docstring)."""
    warnings: list[str] = []
    where = f"{transcript.source} ({transcript.conversation_id})"

    # 1. The user's map.
    if options.role_map:
        table: dict[str, str] = {}
        for key, value in options.role_map.items():
            role = role_word(value)
            if role is None:
                warnings.append(f"--role-map {key}={value}: {value!r} is not a role (agent, customer, bot, system)")
                continue
            table[normalize_label(key)] = role
        for turn in transcript.turns:
            role = table.get(_speaker_key(turn.speaker))
            if role is not None:
                turn.role, turn.role_source = role, "map"

    # 2. The greeting heuristic, for speakers nothing has decided yet.
    unknown = {_speaker_key(t.speaker) for t in transcript.turns if t.role == UNKNOWN and t.role_source in ("unknown", "")}
    unknown.discard("")
    if unknown:
        agent_key = next((_speaker_key(t.speaker) for t in transcript.turns
                          if _speaker_key(t.speaker) in unknown and opens_like_agent(t.text)), None)
        has_agent = any(t.role == AGENT for t in transcript.turns)
        if agent_key is None and has_agent:
            agent_key = ""  # the agent is known already (map, label, vendor): the others are customers
        if agent_key is None:
            names = ", ".join(sorted({t.speaker for t in transcript.turns if _speaker_key(t.speaker) in unknown}))
            warnings.append(f"{where}: could not tell the agent among {names}; roles left unknown (use --role-map NAME=agent)")
        else:
            for turn in transcript.turns:
                key = _speaker_key(turn.speaker)
                if key in unknown:
                    turn.role = AGENT if key == agent_key else CUSTOMER
                    turn.role_source = "heuristic"

    # 3. Vendor labels the text contradicts.
    flagged: set[str] = set()
    for turn in transcript.turns:
        if turn.role == CUSTOMER and turn.role_source == "vendor" and opens_like_agent(turn.text):
            key = turn.speaker or turn.role
            if key in flagged:
                continue
            flagged.add(key)
            label = f"speaker {turn.speaker!r}" if turn.speaker else "a speaker"
            fix = f" (fix with --role-map {turn.speaker}=agent)" if turn.speaker else ""
            warnings.append(f"{where}: the file labels {label} customer, but they say {turn.text[:60]!r}, "
                            f"which is how an agent talks; check the labels{fix}")
    return warnings
