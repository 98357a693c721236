"""Customer-written text made safe to print: nothing in it is ever interpreted by a terminal."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """Printable text: control characters (ESC and BEL among them) shown as U+FFFD.

    Tab, newline and carriage return are kept: they are layout, not commands."""
    return _CONTROL.sub("\ufffd", text)
