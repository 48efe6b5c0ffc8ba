"""Synthetic data generation: pipelines as data, teacher prompts, parsing, judges, near-duplicate filtering."""
