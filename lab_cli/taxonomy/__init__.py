"""Taxonomy leaves: discovery, parsing with positions, schemas, lint rules and diagnostics."""
