"""The command line (placeholder until the score command lands)."""


def main() -> None:
    raise SystemExit("cx-audit: not ready yet")
