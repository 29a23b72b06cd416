"""The view cache: requests that miss one key together wait for one computation (single flight)."""

from __future__ import annotations

import threading
import time

from ecozone.web.views import _Cache


def _together(n: int, work: object) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def one(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work()  # type: ignore[operator]
        except RuntimeError as exc:
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_twenty_readers_of_one_missing_board_evaluate_it_once() -> None:
    cache = _Cache()
    calls: list[int] = []

    def make() -> str:
        calls.append(1)
        time.sleep(0.2)  # long enough for every reader to arrive while it is being made
        return "board"

    results = _together(20, lambda: cache.get(("board", 1), make))
    assert results == ["board"] * 20 and len(calls) == 1


def test_when_the_maker_fails_a_waiter_makes_it_and_nobody_gets_a_stale_value() -> None:
    cache = _Cache()
    calls: list[int] = []

    def make() -> str:
        calls.append(1)
        time.sleep(0.1)
        if len(calls) == 1:
            raise RuntimeError("数据库暂时不可用")
        return "board"

    results = _together(5, lambda: cache.get(("board", 2), make))
    assert sum(isinstance(r, RuntimeError) for r in results) == 1 and results.count("board") == 4
    assert len(calls) == 2
