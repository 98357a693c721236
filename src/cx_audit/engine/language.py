"""Tell Spanish from English (and from neither) by counting very common words, for --lang auto."""

from __future__ import annotations

from cx_audit.model import Transcript
from cx_audit.normalize import fold

_MARKERS = {
    "es": set("el la los las que de en un una por para con no es su lo le se y pero muy esta este usted gracias hola buenos buenas favor puedo ayudarle".split()),
    "en": set("the a an and to of in is it you your for with on that this i we can be are was thank thanks hello please help my not".split()),
}


def detect_language(transcript: Transcript, default: str = "") -> str:
    """'es', 'en', or `default` when the text gives no clear answer."""
    counts = {lang: 0 for lang in _MARKERS}
    seen = 0
    for turn in transcript.turns:
        for word in fold(turn.text).split():
            seen += 1
            for lang, words in _MARKERS.items():
                if word in words:
                    counts[lang] += 1
        if seen > 400:
            break
    best = max(counts, key=lambda lang: counts[lang])
    ordered = sorted(counts.values(), reverse=True)
    if ordered[0] == 0 or (len(ordered) > 1 and ordered[0] < 1.5 * ordered[1]):
        return default
    return best
