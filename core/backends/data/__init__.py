"""Data tables for the backends (model families, prices): JSON, so they change without code."""
