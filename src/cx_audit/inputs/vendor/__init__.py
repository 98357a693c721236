"""Vendor export loaders: one module per format, each registering itself at import.

Shared behaviour (text cleaning, lenient JSON, located errors) lives in `_common`.
"""
