"""The bundled local teacher served plainly against served with continuous batching, same requests.

    python benchmarks/local_teacher_batching.py [--requests 8] [--max-tokens 128] [--model default]

Starts the model with lab's own ``local_teacher`` (``transformers serve`` on a free loopback port), once
without and once with ``--continuous-batching``, and sends the same ``--requests`` chat requests at once
through lab's ``TeacherClient`` (each asks for a long answer, capped at ``--max-tokens``). Prints, for each,
the seconds, the completion tokens the server reported, tokens per second and the server's peak resident
memory, then the ratio. The first request of each server is sent alone first, so model loading and warm-up
are not timed.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab_cli.serve.server import local_teacher
from lab_cli.teacher.client import ChatRequest, TeacherClient
from lab_cli.teacher.local_model import resolve_model

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


def timed(model: Path, batching: bool, count: int, max_tokens: int) -> tuple[float, int, float]:
    """Seconds for ``count`` concurrent requests, the completion tokens they returned, the server's peak MiB."""
    with PeakMemory() as memory, local_teacher(model, workers=count, continuous_batching=batching) as settings:
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
    model = resolve_model(args.model)
    print(f"{args.requests} concurrent requests of up to {args.max_tokens} tokens to {model.name}")
    rates = {}
    for name, batching in (("plain", False), ("continuous batching", True)):
        seconds, tokens, peak = timed(model, batching, args.requests, args.max_tokens)
        rates[name] = tokens / seconds
        print(f"  {name:<20} {seconds:6.1f} s  {tokens:5d} tokens  {rates[name]:5.1f} tokens/s  peak {peak:5.0f} MiB")
    print(f"  ratio continuous / plain: {rates['continuous batching'] / rates['plain']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
