"""Datasets: content-addressed sample storage, per-commit snapshots stored in git, export."""
