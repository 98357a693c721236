"""Renderers: one module per output format, all fed the same `ConversationResult`s."""

from __future__ import annotations

from cx_audit.render.base import Renderer
from cx_audit.render.csvout import CsvRenderer
from cx_audit.render.jsonout import JsonlRenderer, JsonRenderer
from cx_audit.render.table import TableRenderer

FORMATS = ("table", "csv", "json", "jsonl", "xlsx", "markdown", "html", "parquet")
# Formats written as bytes (they need -o FILE or a pipe, never a terminal).
BINARY_FORMATS = ("xlsx", "parquet")


def make_renderer(fmt: str, details: bool = False) -> Renderer:
    if fmt == "table":
        return TableRenderer()
    if fmt == "csv":
        return CsvRenderer(details=details)
    if fmt == "json":
        return JsonRenderer()
    if fmt == "jsonl":
        return JsonlRenderer()
    if fmt == "xlsx":
        from cx_audit.render.xlsx import XlsxRenderer

        return XlsxRenderer()
    if fmt == "markdown":
        from cx_audit.render.markdown import MarkdownRenderer

        return MarkdownRenderer()
    if fmt == "html":
        from cx_audit.render.html import HtmlRenderer

        return HtmlRenderer()
    if fmt == "parquet":
        from cx_audit.render.parquet import ParquetRenderer, require_pyarrow

        require_pyarrow()
        return ParquetRenderer()
    raise ValueError(fmt)
