"""``lab chat``: the checkpoint's lineage system prompt reaches the model, the card names what answers, the loop's
commands keep or forget the conversation, and bad options are one line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lab_cli.chat.repl import Io, run_chat
from lab_cli.chat.session import model_card, open_session
from lab_cli.train.lineage import Lineage, write_lineage

SYSTEM = "You are the zorbish oracle."
LEAVES = {"knowledge/zorbish/words": "k1", "compositional_skills/zorbish/greetings": "k2"}


def run_lab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lab_cli", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def checkpoint(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model with the lineage lab train writes beside a checkpoint (its system prompt and leaves)."""
    folder = tmp_path_factory.mktemp("chat") / "c1"
    shutil.copytree(tiny_model, folder)
    lineage = Lineage(
        base_model=str(tiny_model),
        parent=None,
        taxonomy_repo="/taxonomy",
        taxonomy_commit="0123456789abcdef0123",
        dataset_snapshot="feedface",
        trained_keys=tuple(LEAVES.values()),
        new_keys=LEAVES,
        phases=(),
        settings={},
        system_prompt=SYSTEM,
    )
    write_lineage(folder, lineage)
    return folder


def test_once_asks_with_the_lineage_system_prompt_and_names_the_model(checkpoint: Path) -> None:
    done = run_lab(
        "chat", "--model", str(checkpoint), "--once", "What is zorbish?", "--format", "json", "--max-tokens", "6"
    )
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert reply["prompt"] == f"<|system|>{SYSTEM}<|end|><|user|>What is zorbish?<|end|><|assistant|>"
    assert (reply["system_prompt"], reply["system_prompt_source"]) == (SYSTEM, "lineage")
    assert reply["taxonomy_commit"] == "0123456789abcdef0123" and reply["leaves"] == sorted(LEAVES)
    assert reply["model"] == "c1" and 1 <= reply["new_tokens"] <= 6
    human = run_lab("chat", "--model", str(checkpoint), "--once", "What is zorbish?", "--max-tokens", "6")
    assert human.returncode == 0 and human.stdout.strip() == reply["answer"]  # stdout: the answer alone
    assert "trained at taxonomy commit 0123456789ab on 2 leaf(s)" in human.stderr and SYSTEM in human.stderr


def test_the_answer_is_the_one_lab_eval_would_get(checkpoint: Path) -> None:
    from lab_cli.evaluate.answers import greedy_answers, load

    session = open_session(model_card(checkpoint), "cpu", max_new_tokens=8)
    streamed: list[str] = []
    reply = session.ask("What is zorbish?", streamed.append)
    model, tokenizer = load(checkpoint)
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "What is zorbish?"}]
    assert reply.answer == greedy_answers(model, tokenizer, [messages], max_new_tokens=8)[0]
    assert "".join(streamed).strip() == reply.answer  # streamed piece by piece, the same text


def test_system_overrides_and_a_model_lab_did_not_train(checkpoint: Path, tiny_model: Path) -> None:
    card = model_card(checkpoint, "Be brief.")
    assert (card.system_prompt, card.system_prompt_source) == ("Be brief.", "--system")
    plain = model_card(tiny_model)
    assert plain.lineage is None and plain.leaves == () and plain.system_prompt_source == "lab default"


def test_the_loop_keeps_history_and_its_commands_reset_or_replace_it(checkpoint: Path) -> None:
    session = open_session(model_card(checkpoint), "cpu", max_new_tokens=4)
    lines = iter(["first?", "second?", "/system", "/system Be brief.", "third?", "/reset", "fourth?", "/bogus"])
    lines = iter([*lines, "/exit", "never asked?"])
    written: list[str] = []
    replies = run_chat(session, Io(lambda: next(lines, None), written.append, lambda _: None))
    assert [r.question for r in replies] == ["first?", "second?", "third?", "fourth?"]
    first, second, third, fourth = replies
    assert f"<|user|>first?<|end|><|assistant|>{first.answer}<|end|><|user|>second?" in second.prompt
    assert third.prompt == "<|system|>Be brief.<|end|><|user|>third?<|end|><|assistant|>"  # /system starts afresh
    assert fourth.prompt == "<|system|>Be brief.<|end|><|user|>fourth?<|end|><|assistant|>"  # /reset forgets
    assert f"system prompt: {SYSTEM}" in written and any(w.startswith("unknown command /bogus") for w in written)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "json"), "lab: error: --format json needs --once QUESTION (a chat is for people)"),
        (("--model", "/no/such/folder", "--once", "hi"), "not a Hugging Face checkpoint folder"),
    ],
)
def test_usage_errors_are_one_line(args: tuple[str, ...], message: str) -> None:
    done = run_lab("chat", *args)
    assert done.returncode == 2 and message in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr


def test_a_device_that_is_not_there_is_one_line(checkpoint: Path) -> None:
    done = run_lab("chat", "--model", str(checkpoint), "--once", "hi", "--device", "cuda:97")
    assert done.returncode == 2 and done.stderr.startswith("lab: error: --device cuda:97: "), done.stderr
    assert "Traceback" not in done.stderr
