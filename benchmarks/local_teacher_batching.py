"""The bundled local teacher served plainly against served with continuous batching, same requests.

    python benchmarks/local_teacher_batching.py [--requests 8] [--max-tokens 128] [--model default]

Starts the model with lab's own ``local_teacher`` (``transformers serve`` on a free loopback port), once
without and once with ``--continuous-batching``, and sends the same ``--requests`` chat requests at once
through lab's ``TeacherClient`` (each asks for a long answer, capped at ``--max-tokens``). Prints, for each,
the seconds, the completion tokens the server reported and tokens per second, then the ratio. The first
request of each server is sent alone first, so model loading and warm-up are not timed.
"""

from __future__ import annotations

import argparse
import sys
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


def timed(model: Path, batching: bool, count: int, max_tokens: int) -> tuple[float, int]:
    """Seconds for ``count`` concurrent requests and the completion tokens they returned."""
    with local_teacher(model, workers=count, continuous_batching=batching) as settings:
        client = TeacherClient(settings)
        client.run(requests(1, 8, "warm-up"), on_response=lambda _: None)
        started = time.perf_counter()
        answers = client.run(requests(count, max_tokens, "timed"))
        return time.perf_counter() - started, sum(answer.usage.get("completion_tokens", 0) for answer in answers)


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
        seconds, tokens = timed(model, batching, args.requests, args.max_tokens)
        rates[name] = tokens / seconds
        print(f"  {name:<20} {seconds:6.1f} s  {tokens:5d} tokens  {rates[name]:5.1f} tokens/s")
    print(f"  ratio continuous / plain: {rates['continuous batching'] / rates['plain']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
