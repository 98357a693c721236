"""The loader registry: every input format by name, and sniffing a document to its loader."""

from __future__ import annotations

import importlib

from cx_audit.inputs.base import Document, Loader

# Modules that define loaders; each calls `register()` at import. Add new formats here.
LOADER_MODULES = (
    "cx_audit.inputs.parquet",  # binary, told apart by its PAR1 magic before any text loader looks
    # Vendor formats first: each sniffs its own distinctive keys or lines and outscores the
    # generic loaders below, which take anything that starts with { or [ or has speaker labels.
    "cx_audit.inputs.vendor.contact_lens",
    "cx_audit.inputs.vendor.transcribe_analytics",
    "cx_audit.inputs.vendor.transcribe",
    "cx_audit.inputs.vendor.pca",
    "cx_audit.inputs.vendor.harper_valley",
    "cx_audit.inputs.vendor.abcd",
    "cx_audit.inputs.vendor.whatsapp",
    "cx_audit.inputs.vendor.webvtt",
    "cx_audit.inputs.vendor.srt",
    "cx_audit.inputs.vendor.ccai",
    "cx_audit.inputs.vendor.dialogflow",
    "cx_audit.inputs.vendor.zendesk",
    "cx_audit.inputs.vendor.intercom",
    "cx_audit.inputs.vendor.genesys",
    "cx_audit.inputs.vendor.twilio",
    "cx_audit.inputs.vendor.salesforce",
    "cx_audit.inputs.jsonfmt",
    "cx_audit.inputs.delimited",
    "cx_audit.inputs.text",
)

_LOADERS: dict[str, Loader] = {}
_imported = False


def register(loader: Loader) -> Loader:
    if loader.name in _LOADERS:
        raise ValueError(f"two loaders named {loader.name!r}")
    _LOADERS[loader.name] = loader
    return loader


def loaders() -> dict[str, Loader]:
    global _imported
    if not _imported:
        _imported = True
        for module in LOADER_MODULES:
            importlib.import_module(module)
    return _LOADERS


def get_loader(name: str) -> Loader:
    table = loaders()
    if name not in table:
        raise KeyError(name)
    return table[name]


def sniff(doc: Document) -> Loader | None:
    """The loader for `doc`: among those that claim its extension first, then among all.

    The extension narrows the candidates; the content decides between them (a `.json` file may
    be a plain transcript or a vendor export). The highest score wins; ties go to the loader
    registered first.
    """
    table = loaders()
    by_ext = [ld for ld in table.values() if doc.extension and doc.extension in ld.extensions]
    for candidates in (by_ext, list(table.values())):
        best: Loader | None = None
        best_score = 0.0
        for loader in candidates:
            score = loader.sniff(doc)
            if score > best_score:
                best, best_score = loader, score
        if best is not None:
            return best
    return None
