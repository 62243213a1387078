"""`GET /api/v1/documents/{id}` latency at 10 concurrent clients (embedded default).

    .venv/bin/python bench/api_latency.py --requests 3000 --clients 10

Starts `aktenwerk serve` on loopback, uploads 20 documents, then 10 threads with keep-alive clients
request random ids; prints p50/p95/p99 and req/s. Bounded by --requests; stops by itself.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import threading
import time
from pathlib import Path

import httpx

_spec = importlib.util.spec_from_file_location("aw_bench_ingest", Path(__file__).with_name("ingest.py"))
assert _spec and _spec.loader
ingest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ingest)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--web-workers", type=int, default=1)
    a = ap.parse_args()
    stack = ingest.Stack("embedded", ocr=False, extra_env={"AKTENWERK_WEB_WORKERS": str(a.web_workers)})
    try:
        headers = {"Authorization": f"Bearer {stack.token}"}
        with httpx.Client(base_url=stack.base, headers=headers, timeout=30) as c:
            ids = [c.post("/api/v1/documents", files={"file": (f"d{i}.pdf", ingest.make_pdf(i))}).json()["id"]
                   for i in range(20)]
            time.sleep(3)
        per_client = a.requests // a.clients
        lat: list[float] = []
        lock = threading.Lock()
        errors = [0]

        def worker() -> None:
            mine: list[float] = []
            with httpx.Client(base_url=stack.base, headers=headers, timeout=30) as c:
                for _ in range(10):  # warm-up
                    c.get(f"/api/v1/documents/{ids[0]}")
                for _ in range(per_client):
                    t = time.perf_counter()
                    r = c.get(f"/api/v1/documents/{random.choice(ids)}")
                    mine.append((time.perf_counter() - t) * 1000)
                    if r.status_code != 200:
                        errors[0] += 1
            with lock:
                lat.extend(mine)

        threads = [threading.Thread(target=worker) for _ in range(a.clients)]
        cpu0 = stack.cpu_seconds()["group0"]  # with several web workers: all of them (one process group)
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        cpu = stack.cpu_seconds()["group0"] - cpu0
        q = statistics.quantiles(lat, n=100)
        print(f"clients={a.clients} requests={len(lat)} errors={errors[0]} req/s={len(lat) / wall:.0f} "
              f"p50={q[49]:.1f}ms p95={q[94]:.1f}ms p99={q[98]:.1f}ms max={max(lat):.1f}ms "
              f"server_cpu_per_request={cpu / len(lat) * 1000:.2f}ms (1 s clock resolution)")
    finally:
        stack.close()


if __name__ == "__main__":
    main()
