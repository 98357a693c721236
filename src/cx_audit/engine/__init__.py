"""The engine: a ruleset compiled once, conversations streamed through it."""

from cx_audit.engine.compiled import CompiledRuleset
from cx_audit.engine.language import detect_language

__all__ = ["CompiledRuleset", "detect_language"]
