"""`GET /api/v1/documents/{id}` latency at 10 concurrent clients (embedded default).

    .venv/bin/python bench/api_latency.py --requests 3000 --clients 10
    .venv/bin/python bench/api_latency.py --web-workers 2 --wrk 15     # wrk -t1 -c10 for 15 s (needs wrk)

Starts `aktenwerk serve` on loopback, uploads 20 documents, then 10 threads with keep-alive clients
request random ids (or, with --wrk, `wrk -c CLIENTS` with bench/wrk_p95.lua on one id); prints
p50/p95/p99, req/s and the server's CPU time (user+sys of the serve process group, i.e. all web
workers, from /proc at clock-tick resolution) per request. Bounded; stops by itself.
The Python client threads cost CPU of their own on the same cores: wrk is the lighter load generator.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path

import httpx

_spec = importlib.util.spec_from_file_location("aw_bench_ingest", Path(__file__).with_name("ingest.py"))
assert _spec and _spec.loader
ingest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ingest)


def group_cpu(pgid: int) -> float:
    """CPU seconds (user+sys) of the live processes of one process group."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:  # field 5 of /proc/PID/stat: the process group
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_wrk(base: str, token: str, doc_id: int, clients: int, seconds: int) -> tuple[int, str]:
    script = Path(__file__).with_name("wrk_p95.lua")
    out = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "-s", str(script),
                          "-H", f"Authorization: Bearer {token}", f"{base}/api/v1/documents/{doc_id}"],
                         capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("requests "))
    rps = next((x.split()[-1] for x in out.splitlines() if x.startswith("Requests/sec")), "?")
    return int(line.split()[1]), f"{line} req/s={rps}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--web-workers", type=int, default=1)
    ap.add_argument("--wrk", type=int, metavar="SECONDS", help="load with wrk for SECONDS instead of Python clients")
    a = ap.parse_args()
    if a.wrk and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk); run without --wrk")
    stack = ingest.Stack("embedded", ocr=False, extra_env={"AKTENWERK_WEB_WORKERS": str(a.web_workers)})
    try:
        headers = {"Authorization": f"Bearer {stack.token}"}
        with httpx.Client(base_url=stack.base, headers=headers, timeout=30) as c:
            ids = [c.post("/api/v1/documents", files={"file": (f"d{i}.pdf", ingest.make_pdf(i))}).json()["id"]
                   for i in range(20)]
            time.sleep(3)
        pgid = stack.procs[0].pid  # the serve process group: with several web workers, all of them
        if a.wrk:
            run_wrk(stack.base, stack.token, ids[0], a.clients, 2)  # warm-up: every worker's first requests
            cpu0 = group_cpu(pgid)
            n, summary = run_wrk(stack.base, stack.token, ids[0], a.clients, a.wrk)
            cpu = group_cpu(pgid) - cpu0
            print(f"wrk clients={a.clients} web_workers={a.web_workers} {summary} "
                  f"server_cpu_per_request={cpu / max(n, 1) * 1000:.2f}ms")
            return
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
        cpu0 = group_cpu(pgid)
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        cpu = group_cpu(pgid) - cpu0
        q = statistics.quantiles(lat, n=100)
        print(f"clients={a.clients} requests={len(lat)} errors={errors[0]} req/s={len(lat) / wall:.0f} "
              f"p50={q[49]:.1f}ms p95={q[94]:.1f}ms p99={q[98]:.1f}ms max={max(lat):.1f}ms "
              f"server_cpu_per_request={cpu / len(lat) * 1000:.2f}ms web_workers={a.web_workers}")
    finally:
        stack.close()


if __name__ == "__main__":
    main()
