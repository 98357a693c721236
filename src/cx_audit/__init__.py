"""cx-audit: audit customer-service transcripts against rulesets drawn from customer-service articles."""

__version__ = "0.1.0"
