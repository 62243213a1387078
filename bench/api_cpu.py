"""CPU time per request of the app itself (in-process, no HTTP server, no client), embedded default.

    .venv/bin/python bench/api_cpu.py                                  # GET /api/v1/documents/{id}
    .venv/bin/python bench/api_cpu.py --path /api/v1/documents/{id}/versions --requests 2000

Builds a scratch data dir (`aktenwerk init`, a clerk with a token, one uploaded PDF), runs the ASGI app's
lifespan, then calls the app directly with prebuilt ASGI messages: the figure is `time.process_time`
(user+sys of this process, all threads) per request through middleware, routing, dependencies, the
route and its database work — what a web worker spends per request minus uvicorn's HTTP parsing.
Seven rounds; prints the minimum and the median (CPU time is still disturbed by a busy machine, less
than wall time). Bounded; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_spec = importlib.util.spec_from_file_location("aw_bench_ingest", Path(__file__).with_name("ingest.py"))
assert _spec and _spec.loader
ingest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ingest)

AKTENWERK = str(Path(sys.executable).with_name("aktenwerk"))


def _prepare() -> str:
    """A scratch data dir with a clerk (department 63); returns the clerk's token."""
    tmp = Path(tempfile.mkdtemp(prefix="aw-apicpu-"))
    for key in [k for k in os.environ if k.startswith("AKTENWERK_")]:
        del os.environ[key]
    os.environ.update({"AKTENWERK_DATA_DIR": str(tmp / "data"), "AKTENWERK_LOG_LEVEL": "WARNING",
                       "AKTENWERK_SEARCH_BACKEND": "memory", "AKTENWERK_OCR_ENABLED": "false"})
    subprocess.run([AKTENWERK, "init"], capture_output=True, text=True, check=True)
    out = subprocess.run([AKTENWERK, "user", "create", "bench", "--role", "clerk", "--department", "63", "--token"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


async def _run(path: str, requests: int, token: str) -> list[float]:
    import httpx

    from dms.settings import get_settings
    from dms.web.app import create_app

    app = create_app(get_settings())
    startup: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await startup.put({"type": "lifespan.startup"})
    started: list[dict[str, Any]] = []

    async def lifespan_send(msg: dict[str, Any]) -> None:
        started.append(msg)

    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
                                       startup.get, lifespan_send))
    while not started:
        await asyncio.sleep(0.01)
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        r = await client.post("/api/v1/documents", headers=auth, data={"department": "63"},
                              files={"file": ("bench.pdf", ingest.make_pdf(1), "application/pdf")})
        r.raise_for_status()
        doc_id = r.json()["id"]
    target = path.replace("{id}", str(doc_id)).encode()
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"), (b"authorization", f"Bearer {token}".encode())]
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(msg: dict[str, Any]) -> None:
        if msg["type"] == "http.response.start":
            statuses.append(msg["status"])

    async def one() -> None:
        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": target.decode(), "raw_path": target, "query_string": b"",
                 "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
                 "server": ("127.0.0.1", 8000), "state": {}}
        await app(scope, receive, send)

    for _ in range(200):  # warm-up: imports, pools, caches
        await one()
    if statuses[-1] != 200:
        raise SystemExit(f"GET {target.decode()} answered {statuses[-1]}")
    rounds = []
    for _ in range(7):
        c0 = time.process_time()
        for _ in range(requests):
            await one()
        rounds.append((time.process_time() - c0) / requests * 1000)
    if set(statuses) != {200}:
        raise SystemExit(f"unexpected statuses {sorted(set(statuses))}")
    await startup.put({"type": "lifespan.shutdown"})
    await lifespan
    return rounds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--path", default="/api/v1/documents/{id}", help="GET path; {id} is the uploaded document")
    ap.add_argument("--requests", type=int, default=2000, help="requests per round (7 rounds)")
    a = ap.parse_args()
    token = _prepare()
    rounds = asyncio.run(_run(a.path, a.requests, token))
    print(f"GET {a.path}: app cpu per request min={min(rounds):.3f}ms median={statistics.median(rounds):.3f}ms "
          f"({a.requests} requests x {len(rounds)} rounds, in-process, process_time)")


if __name__ == "__main__":
    main()
