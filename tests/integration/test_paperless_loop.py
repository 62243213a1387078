"""The synchronous importer entry point also works where the thread already runs an event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures

from dms.paperless.importer import run_sync


async def _answer() -> int:
    await asyncio.sleep(0)
    return 42


def test_run_sync_without_a_running_loop() -> None:
    assert run_sync(_answer()) == 42


def test_run_sync_inside_a_running_loop() -> None:
    async def host() -> int:
        return run_sync(_answer())  # what a host app / Playwright's sync API would do

    # the host loop runs in a thread of its own: this test's thread may already run one (Playwright)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, host()).result() == 42
