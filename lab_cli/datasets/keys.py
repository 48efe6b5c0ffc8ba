"""Fingerprints and generation keys: what makes two generations "the same" (then never generated twice)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass


def digest(payload: object) -> str:
    """SHA-256 of the canonical JSON of ``payload``."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def leaf_fingerprint(qna: bytes, attribution: bytes, documents: Iterable[tuple[str, str]] = ()) -> str:
    """Digest of a leaf's qna.yaml, attribution.txt and, for knowledge, its documents' (path, blob id) pairs."""
    return digest(
        {
            "qna": hashlib.sha256(qna).hexdigest(),
            "attribution": hashlib.sha256(attribution).hexdigest(),
            "documents": sorted(documents),
        }
    )


@dataclass(frozen=True)
class GenerationSpec:
    """Everything that shapes a leaf's generated samples besides the leaf itself."""

    pipeline: str
    prompt_digests: tuple[str, ...]
    teacher_model: str
    sampling: tuple[tuple[str, float], ...]
    seed: int
    scale: int


def generation_key(fingerprint: str, spec: GenerationSpec) -> str:
    """The key samples are stored under: same leaf and same spec give the same key, anything else another."""
    return digest({"leaf": fingerprint, **asdict(spec)})


def sample_split(sample_id: str, eval_share: float = 0.1) -> str:
    """``train`` or ``eval``, fixed forever by hashing the sample id (never by position or chance)."""
    bucket = int(hashlib.sha256(sample_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "eval" if bucket < eval_share else "train"
