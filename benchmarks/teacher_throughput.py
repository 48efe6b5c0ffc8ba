"""lab's teacher client against a bare ``asyncio`` + ``openai`` loop, same server, same concurrency.

Starts a fast OpenAI-compatible server on 127.0.0.1 (the fault-free fake from the tests, answering at once),
then sends N requests with each client at the same concurrency, alternating runs, and prints requests per
second for both and their ratio (lab / bare; the goal is at least 0.9).

    python benchmarks/teacher_throughput.py [--requests 2000] [--workers 16] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab_cli.teacher.client import ChatRequest, TeacherClient, TeacherSettings
from tests.helpers.openai_server import FakeTeacher


def bare_loop(url: str, count: int, workers: int) -> float:
    """Seconds for ``count`` requests with a plain semaphore-bounded asyncio loop."""
    import openai

    async def main() -> None:
        client = openai.AsyncOpenAI(base_url=url, api_key="unused", max_retries=0)
        limit = asyncio.Semaphore(workers)

        async def one(index: int) -> str:
            async with limit:
                reply = await client.chat.completions.create(
                    model="fake-teacher", messages=[{"role": "user", "content": f"q{index}"}], max_tokens=16
                )
                return reply.choices[0].message.content or ""

        await asyncio.gather(*(one(index) for index in range(count)))
        await client.close()

    start = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - start


def lab_client(url: str, count: int, workers: int) -> float:
    """Seconds for ``count`` requests through lab's TeacherClient."""
    requests = [ChatRequest(f"r{i}", ({"role": "user", "content": f"q{i}"},), max_tokens=16) for i in range(count)]
    start = time.perf_counter()
    TeacherClient(TeacherSettings(url, "fake-teacher", workers=workers)).run(requests, on_response=lambda _: None)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    best = {"bare": float("inf"), "lab": float("inf")}
    with FakeTeacher() as server:
        for _ in range(args.runs):
            best["bare"] = min(best["bare"], bare_loop(server.url, args.requests, args.workers))
            best["lab"] = min(best["lab"], lab_client(server.url, args.requests, args.workers))
    rates = {name: args.requests / seconds for name, seconds in best.items()}
    print(f"{args.requests} requests, concurrency {args.workers}, best of {args.runs} alternating runs")
    print(f"  bare asyncio + openai: {rates['bare']:.0f} requests/s")
    print(f"  lab TeacherClient:     {rates['lab']:.0f} requests/s")
    print(f"  ratio lab / bare: {rates['lab'] / rates['bare']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
