"""General drift: how far a checkpoint moved from its starting model on general prompts it was never trained on.

The starting model's greedy answers to the probe prompts (``lab_cli.general.probes``) are recorded once and cached
in the first lab-trained checkpoint's lineage, keyed by the model's digest and the settings that shape them (system
prompt, answer budget, ``DRIFT_VERSION``). Against them a checkpoint gets, per probe:

- **KL**: the mean per-token KL(base ‖ checkpoint), in nats, both models teacher-forced on the base's answer; 0 for
  a checkpoint that predicts as its base did, whatever the answer says (forgetting tracks it: Shenfeld et al.);
- **agreement**: ROUGE-L of the checkpoint's own greedy answer against the base's (1 = the same answer).

A checkpoint's per-probe values are cached in its own lineage under the same key. Means are over probes, with
bootstrap 95 % intervals over probes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lab_cli.datasets.keys import digest
from lab_cli.errors import LabError, UsageError
from lab_cli.evaluate.metrics import rouge_l
from lab_cli.evaluate.scores import percentile_interval, rounded, starting_model
from lab_cli.general import PROBE_COUNT, PROBE_TOKENS
from lab_cli.general.probes import GeneralPrompt, probe_set
from lab_cli.prompts import with_system_prompt

if TYPE_CHECKING:
    from lab_cli.train.lineage import Lineage

DRIFT_VERSION = 1  # bump when what a drift value means changes: cached answers and values are measured again
KL_BATCH = 8  # both models' full-vocabulary logits are held at once (SmolLM2: 49,152 per token)


@dataclass(frozen=True)
class ProbeSettings:
    """What shapes the starting model's probe answers besides the model: the system prompt they are asked with
    and the answer budget in new tokens."""

    system_prompt: str
    max_new_tokens: int = PROBE_TOKENS

    def key(self, model_digest: str) -> str:
        """The cache key of a model's answers under these settings."""
        return digest(
            {
                "version": DRIFT_VERSION,
                "model": model_digest,
                "system_prompt": self.system_prompt,
                "max_new_tokens": self.max_new_tokens,
            }
        )


@dataclass(frozen=True)
class ProbeRequest:
    """Which probes to measure drift on: the first ``count`` shipped probes, the taxonomy's own
    (``lab_probes.jsonl``) and ``extra`` ones (``--probe`` files), answered in at most ``max_new_tokens``."""

    count: int = PROBE_COUNT
    extra: tuple[GeneralPrompt, ...] = ()
    max_new_tokens: int = PROBE_TOKENS

    def prompts(self, taxonomy: Path | None) -> tuple[GeneralPrompt, ...]:
        """The probe prompts for a taxonomy (its root folder, or ``None``)."""
        return probe_set(taxonomy, self.count, self.extra)


@dataclass(frozen=True)
class ProbeItem:
    """One probe: the base's and the checkpoint's greedy answers, the KL on the base's answer, their agreement."""

    prompt: str
    base_answer: str
    answer: str
    kl: float
    agreement: float


@dataclass(frozen=True)
class ProbeDrift:
    """A checkpoint's drift from its starting model over ``n`` probes: mean per-token KL(base ‖ checkpoint) in
    nats and mean greedy agreement (ROUGE-L against the base's answers), each with a bootstrap 95 % interval
    over probes (``None`` under two probes)."""

    n: int
    kl: float
    agreement: float
    kl_interval: tuple[float, float] | None
    agreement_interval: tuple[float, float] | None

    @classmethod
    def of(cls, kl: Sequence[float], agreement: Sequence[float], resamples: int = 1000, seed: int = 0) -> ProbeDrift:
        """The summary of per-probe KL and agreement values (in the same probe order)."""
        kl, agreement = list(kl), list(agreement)
        return cls(
            len(kl),
            rounded(sum(kl) / len(kl)),
            rounded(sum(agreement) / len(agreement)),
            _interval(kl, resamples, seed),
            _interval(agreement, resamples, seed),
        )


def _interval(values: list[float], resamples: int, seed: int) -> tuple[float, float] | None:
    if len(values) < 2:
        return None
    rng = random.Random(seed)
    return percentile_interval([sum(rng.choice(values) for _ in values) / len(values) for _ in range(resamples)])


def _load(checkpoint: Path):
    from lab_cli.evaluate.answers import load

    return load(checkpoint)


class Models:
    """Models loaded on first use and kept for the run (the starting model serves every step of a lineage)."""

    def __init__(self) -> None:
        self._loaded: dict[Path, tuple] = {}

    def get(self, checkpoint: Path) -> tuple:
        """The model and tokenizer of ``checkpoint``."""
        if checkpoint not in self._loaded:
            self._loaded[checkpoint] = _load(checkpoint)
        return self._loaded[checkpoint]

    def drop(self, checkpoint: Path) -> None:
        """Forget a checkpoint's model (its memory goes back)."""
        self._loaded.pop(checkpoint, None)


def _answers(loaded: tuple, prompts: Sequence[str], settings: ProbeSettings, batch_size: int, advance) -> list[str]:
    from lab_cli.evaluate.answers import greedy_answers

    model, tokenizer = loaded
    asked = [with_system_prompt(({"role": "user", "content": p},), settings.system_prompt) for p in prompts]
    return greedy_answers(model, tokenizer, asked, batch_size, settings.max_new_tokens, advance)


def probe_items(
    base: Path,
    checkpoint: Path,
    prompts: Sequence[GeneralPrompt],
    settings: ProbeSettings,
    batch_size: int = 32,
    base_answers: dict[str, str] | None = None,
    models: Models | None = None,
    advance: Callable[[int], None] = lambda _: None,
) -> tuple[list[ProbeItem], dict[str, str]]:
    """Each probe's drift of ``checkpoint`` from ``base``, and the base answers this call had to generate
    (``base_answers`` holds those already known, by prompt text)."""
    from lab_cli.evaluate.likelihood import answer_kl

    models = models or Models()
    texts = [prompt.text for prompt in prompts]
    known = dict(base_answers or {})
    missing = [text for text in texts if text not in known]
    fresh = dict(zip(missing, _answers(models.get(base), missing, settings, batch_size, advance), strict=True))
    known |= fresh
    answers = _answers(models.get(checkpoint), texts, settings, batch_size, advance)
    base_model, tokenizer = models.get(base)
    asked = [with_system_prompt(prompt.messages(), settings.system_prompt) for prompt in prompts]
    pairs = list(zip(asked, [known[text] for text in texts], strict=True))
    kl = answer_kl(base_model, models.get(checkpoint)[0], tokenizer, pairs, KL_BATCH)
    items = [
        ProbeItem(text, known[text], answer, value, rouge_l(answer, known[text]))
        for text, answer, value in zip(texts, answers, kl, strict=True)
    ]
    return items, fresh


def measure_drift(
    base: Path,
    checkpoint: Path,
    prompts: Sequence[GeneralPrompt],
    system_prompt: str = "",
    max_new_tokens: int = PROBE_TOKENS,
    batch_size: int = 32,
) -> ProbeDrift:
    """The drift of ``checkpoint`` from ``base`` on ``prompts``, measured afresh (nothing cached)."""
    items, _ = probe_items(base, checkpoint, prompts, ProbeSettings(system_prompt, max_new_tokens), batch_size)
    return ProbeDrift.of([item.kl for item in items], [item.agreement for item in items])


@dataclass(frozen=True)
class _Start:
    """A chain's starting model, its digest, and the checkpoint whose lineage caches its answers."""

    model: Path
    digest: str
    cache: Path


class StartingModelMissing(LabError):
    """The model a chain started from is not where its lineage says, so drift from it cannot be measured."""


def _start(chain: Sequence[tuple[Path, Lineage]]) -> _Start:
    from lab_cli.teacher.local_model import model_identity

    first = chain[0][1]
    try:
        base = starting_model(first)
    except UsageError as error:
        raise StartingModelMissing(
            f"the starting model {first.parent or first.base_model} is missing ({error}); put it back to measure "
            "drift from it"
        ) from error
    return _Start(base, model_identity(base), chain[0][0])


def _step_drift(
    start: _Start,
    step: tuple[Path, Lineage],
    prompts: Sequence[GeneralPrompt],
    settings: ProbeSettings,
    batch_size: int,
    models: Models,
    advance: Callable[[int], None],
) -> ProbeDrift:
    """One checkpoint's drift, measuring only the probes its lineage has not cached, and caching them."""
    from lab_cli.train.lineage import cache_probes, read_lineage

    folder, lineage = step
    key = settings.key(start.digest)
    cached = dict(lineage.probe_drift.get(key, {}))
    wanted = [prompt for prompt in prompts if prompt.text not in cached]
    if wanted:
        known = read_lineage(start.cache).base_probes.get(key, {})
        items, fresh = probe_items(start.model, folder, wanted, settings, batch_size, known, models, advance)
        models.drop(folder)
        if fresh:
            cache_probes(start.cache, base={key: fresh})
        entries = {item.prompt: {"answer": item.answer, "kl": item.kl, "agreement": item.agreement} for item in items}
        cache_probes(folder, drift={key: entries})
        cached |= entries
    values = [cached[prompt.text] for prompt in prompts]
    return ProbeDrift.of([value["kl"] for value in values], [value["agreement"] for value in values])


def lineage_drift(
    chain: Sequence[tuple[Path, Lineage]],
    prompts: Sequence[GeneralPrompt],
    max_new_tokens: int = PROBE_TOKENS,
    batch_size: int = 32,
    advance: Callable[[int], None] = lambda _: None,
) -> list[ProbeDrift]:
    """The drift of every checkpoint of a chain (oldest first) from the chain's starting model, each asked with
    the system prompt its lineage records; the starting model's answers are cached in the first checkpoint's
    lineage, each checkpoint's values in its own."""
    start, models = _start(chain), Models()
    settings = [ProbeSettings(lineage.system_prompt, max_new_tokens) for _, lineage in chain]
    return [
        _step_drift(start, step, prompts, asked, batch_size, models, advance)
        for step, asked in zip(chain, settings, strict=True)
    ]


def checkpoint_drift(
    checkpoint: Path,
    prompts: Sequence[GeneralPrompt],
    system_prompt: str | None = None,
    max_new_tokens: int = PROBE_TOKENS,
    batch_size: int = 32,
    advance: Callable[[int], None] = lambda _: None,
) -> ProbeDrift:
    """The drift of a lab-trained checkpoint from its chain's starting model, asked with ``system_prompt``
    (default: the one its lineage records); cached like ``lineage_drift``."""
    from lab_cli.train.lineage import lineage_chain

    chain = lineage_chain(checkpoint)
    prompt = system_prompt if system_prompt is not None else chain[-1][1].system_prompt
    settings = ProbeSettings(prompt, max_new_tokens)
    return _step_drift(_start(chain), chain[-1], prompts, settings, batch_size, Models(), advance)
