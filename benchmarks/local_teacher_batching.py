"""The bundled local teacher served by each engine, same requests: transformers plain, transformers with
continuous batching, and llama.cpp (the ``llamacpp`` extra; left out, with a note, where it is not installed).

    python benchmarks/local_teacher_batching.py [--requests 8] [--max-tokens 128] [--model default]

Starts the model with lab's own ``local_teacher`` (on a free loopback port) once per engine and sends the same
``--requests`` chat requests at once through lab's ``TeacherClient`` (each asks for a long answer, capped at
``--max-tokens``). Prints, for each, the seconds, the completion tokens the server reported, tokens per second
and the server's peak resident memory, then each one's ratio to plain transformers and llama.cpp's to the best
transformers figure. The first request of each server is sent alone first, so model loading and warm-up are not
timed. transformers serves the GGUF dequantised to float32; llama.cpp serves the GGUF itself (Q4_1).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab_cli.serve.engines import Served, choose, llama_cpp_status
from lab_cli.serve.launch import local_teacher
from lab_cli.teacher.client import ChatRequest, TeacherClient

TOPICS = ["rivers", "volcanoes", "bridges", "libraries", "orchards", "lighthouses", "glaciers", "markets"]


def requests(count: int, max_tokens: int, tag: str) -> list[ChatRequest]:
    """``count`` different requests that each want more than ``max_tokens`` tokens of answer."""
    return [
        ChatRequest(
            f"{tag}-{index}",
            ({"role": "user", "content": f"Write a long, detailed essay about {TOPICS[index % len(TOPICS)]}."},),
            temperature=0.7,
            max_tokens=max_tokens,
            seed=index,
        )
        for index in range(count)
    ]


def children_rss_kib() -> int:
    """The resident memory of this process's children, in KiB (Linux /proc)."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(os.getpid()) and "VmRSS" in fields:
            total += int(fields["VmRSS"].split()[0])
    return total


class PeakMemory:
    """Samples the children's resident memory twice a second while the block runs; ``peak`` in MiB."""

    def __enter__(self) -> PeakMemory:
        self.peak, self.running = 0.0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, children_rss_kib() / 1024)
            time.sleep(0.5)

    def __exit__(self, *exc_info: object) -> None:
        self.running = False
        self.thread.join()


def timed(served: Served, count: int, max_tokens: int) -> tuple[float, int, float]:
    """Seconds for ``count`` concurrent requests, the completion tokens they returned, the server's peak MiB."""
    with PeakMemory() as memory, local_teacher(served, workers=count) as settings:
        client = TeacherClient(settings)
        client.run(requests(1, 8, "warm-up"))
        started = time.perf_counter()
        answers = client.run(requests(count, max_tokens, "timed"))
        seconds = time.perf_counter() - started
    return seconds, sum(answer.usage.get("completion_tokens", 0) for answer in answers), memory.peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--model", default="default")
    args = parser.parse_args(argv)
    print(
        f"{args.requests} concurrent requests of up to {args.max_tokens} tokens to {args.model}, {os.cpu_count()} CPUs"
    )
    engines = {
        "transformers plain": choose("transformers", args.model),
        "transformers batched": choose("transformers", args.model, continuous_batching=True),
    }
    version, why = llama_cpp_status()
    if version is None:
        print(f"  (llama.cpp left out: {why})")
    else:
        engines[f"llama.cpp {version}"] = choose("llama-cpp", args.model)
    rates = {}
    for name, served in engines.items():
        seconds, tokens, peak = timed(served, args.requests, args.max_tokens)
        rates[name] = tokens / seconds
        print(
            f"  {name:<22} {seconds:6.1f} s  {tokens:5d} tokens  {rates[name]:6.1f} tokens/s  peak {peak:5.0f} MiB  "
            f"{rates[name] / rates['transformers plain']:5.2f}x plain"
        )
    best = max(rates["transformers plain"], rates["transformers batched"])
    for name in rates.keys() - {"transformers plain", "transformers batched"}:
        print(f"  ratio {name} / best transformers: {rates[name] / best:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
