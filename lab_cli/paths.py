"""Where lab keeps its caches: ``$LAB_CACHE_DIR``, else ``$XDG_CACHE_HOME/lab``, else ``~/.cache/lab``."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """lab's cache folder (models, document repositories, generated samples)."""
    explicit = os.environ.get("LAB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lab"
