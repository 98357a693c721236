"""cx-audit: audit customer-service transcripts against rulesets drawn from customer-service articles."""

__version__ = "0.1.0"


def __getattr__(name: str):
    # The Python API, imported on first use so the command line does not pay for it.
    if name in ("score_frame", "result_columns"):
        from cx_audit import frame

        return getattr(frame, name)
    raise AttributeError(f"module 'cx_audit' has no attribute {name!r}")
