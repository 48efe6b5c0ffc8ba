"""A conversation with a checkpoint: which model answers, with which system prompt, the session's history, and
answers streamed token by token as the checkpoint writes them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lab_cli.errors import LabError, UsageError
from lab_cli.prompts import DEFAULT_SYSTEM_PROMPT, with_system_prompt
from lab_cli.train.lineage import Lineage, lineage_chain, read_lineage


@dataclass(frozen=True)
class ModelCard:
    """What a user needs to know about the model that answers: its folder and what lab trained it on."""

    path: Path
    name: str
    lineage: Lineage | None
    leaves: tuple[str, ...]  # every leaf the chain up to this checkpoint was trained on
    system_prompt: str
    system_prompt_source: str  # "--system", "lineage" or "lab default"

    def as_dict(self) -> dict:
        """The card as JSON-ready data."""
        return {
            "model": self.name,
            "path": str(self.path),
            "taxonomy_commit": self.lineage.taxonomy_commit if self.lineage else None,
            "dataset_snapshot": self.lineage.dataset_snapshot if self.lineage else None,
            "leaves": list(self.leaves),
            "system_prompt": self.system_prompt,
            "system_prompt_source": self.system_prompt_source,
        }


def model_card(path: Path, system_prompt: str | None = None) -> ModelCard:
    """Describe the checkpoint at ``path``: its lineage (none for a model lab did not train), the leaves its chain
    was trained on, and the system prompt a chat uses (``system_prompt`` if given, else the lineage's)."""
    lineage = read_lineage(path)
    leaves: set[str] = set()
    if lineage is not None:
        try:
            chain = [entry for _, entry in lineage_chain(path)]
        except LabError:  # an ancestor moved away: this checkpoint's own leaves are still known
            chain = [lineage]
        for entry in chain:
            leaves.update(entry.new_keys)
    if system_prompt is not None:
        prompt, source = system_prompt, "--system"
    elif lineage is not None:
        prompt, source = lineage.system_prompt, "lineage"
    else:
        prompt, source = DEFAULT_SYSTEM_PROMPT, "lab default"
    return ModelCard(path, path.name, lineage, tuple(sorted(leaves)), prompt, source)


@dataclass(frozen=True)
class Reply:
    """One answer of the model, with the exact prompt it was given."""

    question: str
    answer: str
    prompt: str  # the chat template's rendering the model saw
    new_tokens: int
    seconds: float

    def as_dict(self) -> dict:
        """The reply as JSON-ready data."""
        return {
            "question": self.question,
            "answer": self.answer,
            "prompt": self.prompt,
            "new_tokens": self.new_tokens,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class ChatSession:
    """A loaded model and the turns of one conversation with it."""

    model: object
    tokenizer: object
    system_prompt: str
    max_new_tokens: int = 256
    temperature: float = 0.0
    seed: int = 0
    history: list[dict] = field(default_factory=list)

    def messages(self, question: str) -> list[dict]:
        """The conversation the model is asked: the system prompt, the history, then ``question``."""
        turns = [*self.history, {"role": "user", "content": question}]
        return list(with_system_prompt(turns, self.system_prompt))

    def rendered_prompt(self, question: str) -> str:
        """The text the model is given for ``question``, as its chat template renders it."""
        return self.tokenizer.apply_chat_template(self.messages(question), tokenize=False, add_generation_prompt=True)

    def ask(self, question: str, on_text: Callable[[str], None] = lambda _: None) -> Reply:
        """Answer ``question`` (greedy at temperature 0, else sampled), passing text to ``on_text`` as it is
        written, and keep both turns in the history."""
        import torch

        prompt = self.rendered_prompt(question)
        inputs = self.tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(self.model.device)
        sampling = {"do_sample": True, "temperature": self.temperature, "top_k": 0, "top_p": 1.0}
        torch.manual_seed(self.seed)
        started = time.perf_counter()
        with torch.no_grad():
            output = self.model.generate(
                **inputs,
                **(sampling if self.temperature > 0 else {"do_sample": False}),
                max_new_tokens=self.max_new_tokens,
                pad_token_id=self.tokenizer.pad_token_id,
                eos_token_id=self.tokenizer.eos_token_id,
                streamer=_streamer(self.tokenizer, on_text),
            )
        new = output[0, inputs["input_ids"].shape[1] :]
        answer = self.tokenizer.decode(new, skip_special_tokens=True).strip()
        self.history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
        return Reply(question, answer, prompt, int(new.shape[0]), time.perf_counter() - started)

    def reset(self) -> None:
        """Forget the conversation so far (the system prompt stays)."""
        self.history.clear()

    def set_system(self, text: str) -> None:
        """Use ``text`` as the system prompt from the next question on, and start the conversation afresh."""
        self.system_prompt = text
        self.reset()


def _streamer(tokenizer, on_text: Callable[[str], None]):
    """A transformers streamer that hands each finished piece of the answer to ``on_text``."""
    from transformers import TextStreamer

    class Forward(TextStreamer):
        def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
            if text:
                on_text(text)

    return Forward(tokenizer, skip_prompt=True, skip_special_tokens=True)


def open_session(
    card: ModelCard, device: str = "auto", max_new_tokens: int = 256, temperature: float = 0.0, seed: int = 0
) -> ChatSession:
    """Load the card's checkpoint on ``device`` (``auto``: the GPU when there is one) for a chat."""
    import torch

    from lab_cli.evaluate.answers import load

    model, tokenizer = load(card.path)
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        model.to(device)
    except (RuntimeError, AssertionError, ValueError) as problem:  # no such device, or torch built without CUDA
        raise UsageError(f"--device {device}: {str(problem).splitlines()[0]}") from problem
    return ChatSession(model, tokenizer, card.system_prompt, max_new_tokens, temperature, seed)
