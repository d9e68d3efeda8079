"""The pack renders also when the caller already runs an event loop (a browser-driving test session, a server)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from cxmetrics.review import render


async def _answer() -> int:
    await asyncio.sleep(0)
    return 42


def test_a_coroutine_runs_to_its_end_with_or_without_a_running_loop() -> None:
    assert render._run_apart(_answer()) == 42

    async def inside_a_loop() -> int:
        return render._run_apart(_answer())

    with ThreadPoolExecutor(max_workers=1) as pool:  # a thread of its own: the test session may run a loop here
        assert pool.submit(asyncio.run, inside_a_loop()).result() == 42
