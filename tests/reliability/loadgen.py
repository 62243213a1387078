"""Load generator shared by ``bench/load.py`` (20 clients, 5 minutes) and ``tests/reliability/test_load.py``
(20 clients, a few seconds, in CI): a live API (uvicorn) + real Celery workers, N client threads mixing
search, document reads and uploads.

Mix per request: 45 % search, 20 % document metadata, 15 % original download, 10 % document list,
10 % upload (1-page PDF, unique text). The machine's 1-minute load average is sampled every 5 s (the
figures are only comparable with it), and the CPU time (user + sys) of the API and worker processes is
read from /proc at the end.
"""

from __future__ import annotations

import io
import os
import random
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from tests.integration.worker_harness import Worker
from tests.reliability.harness import LiveApi

WORDS = ["Bauantrag", "Bescheid", "Rechnung", "Widerspruch", "Gewerbe", "Kita", "Friedhof", "Straße", "Haushalt",
         "Vergabe", "Baugenehmigung", "Sondernutzung", "Hundesteuer", "Wahlen", "Personal", "Schule"]


def pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 750, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return round(s[min(len(s) - 1, int(p / 100 * len(s)))] * 1000, 1)


def _tree_cpu_seconds(pid: int) -> float:
    """user + sys CPU seconds of a process group's live members (children included once they are reaped)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid:  # process group id
            total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
    return round(total, 1)


def run_load(settings: Any, token: str, base: Path, *, workers: int, clients: int = 20, seconds: float = 300,
             seed_docs: int = 200, api_processes: int = 1, seed: int = 1) -> dict[str, Any]:
    api = LiveApi(settings, base, processes=api_processes, ocr_enabled="false").start()
    procs = [Worker(settings, base, concurrency=1, beat=(i == 0), ocr_enabled="false") for i in range(workers)]
    loadavg: list[float] = []
    try:
        for w in procs:
            w.wait_ready()
        headers = {"Authorization": f"Bearer {token}"}
        ids: list[int] = []
        rng = random.Random(seed)
        with httpx.Client(base_url=api.url, headers=headers, timeout=60) as seed_client:
            for i in range(seed_docs):
                text = " ".join(rng.choice(WORDS) for _ in range(6)) + f" Seed {i}"
                r = seed_client.post("/api/v1/documents", files={"file": (f"s{i}.pdf", pdf(text), "application/pdf")})
                r.raise_for_status()
                ids.append(int(r.json()["id"]))
        lat: dict[str, list[float]] = defaultdict(list)
        codes: dict[int, int] = defaultdict(int)
        by_op_codes: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        errors: list[str] = []
        lock = threading.Lock()
        started = time.monotonic()
        stop_at = started + seconds
        done = threading.Event()

        def sample_load() -> None:
            while not done.wait(5.0):
                loadavg.append(os.getloadavg()[0])

        def client_loop(n: int) -> None:
            crng = random.Random(seed * 1000 + n)
            with httpx.Client(base_url=api.url, headers=headers, timeout=60) as c:
                k = 0
                while time.monotonic() < stop_at:
                    k += 1
                    x = crng.random()
                    t0 = time.perf_counter()
                    op = "error"
                    try:
                        if x < 0.45:
                            op, r = "search", c.get("/api/v1/search", params={"q": crng.choice(WORDS)})
                        elif x < 0.65:
                            op, r = "read", c.get(f"/api/v1/documents/{crng.choice(ids)}")
                        elif x < 0.80:
                            op, r = "download", c.get(f"/api/v1/documents/{crng.choice(ids)}/original")
                        elif x < 0.90:
                            op, r = "list", c.get("/api/v1/documents", params={"limit": 50})
                        else:
                            data = pdf(f"{crng.choice(WORDS)} Last {n}-{k}-{crng.random()}")
                            op, r = "upload", c.post("/api/v1/documents",
                                                     files={"file": (f"l{n}-{k}.pdf", data, "application/pdf")})
                        status = r.status_code
                        if status >= 400:
                            with lock:
                                errors.append(f"{op} {status} {r.text[:150]}")
                    except httpx.HTTPError as exc:
                        status = 599
                        with lock:
                            errors.append(f"{op} {exc!r}"[:200])
                    dt = time.perf_counter() - t0
                    with lock:
                        lat[op].append(dt)
                        lat["all"].append(dt)
                        codes[status] += 1
                        by_op_codes[op][status] += 1

        sampler = threading.Thread(target=sample_load, daemon=True)
        sampler.start()
        loadavg.append(os.getloadavg()[0])
        threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        done.set()
        loadavg.append(os.getloadavg()[0])
        cpu = {"api": _tree_cpu_seconds(api.proc.pid) if api.proc else None,
               "workers": round(sum(_tree_cpu_seconds(w.proc.pid) for w in procs if getattr(w, "proc", None)), 1)}
    finally:
        api.stop()
        for w in procs:
            w.kill()
    total = sum(codes.values())
    failed = sum(v for k, v in codes.items() if k >= 400)
    return {
        "clients": clients, "seconds": round(elapsed, 1), "requests": total,
        "req_per_s": round(total / elapsed, 1) if elapsed else None,
        "error_rate": round(failed / total, 5) if total else None,
        "status_5xx": sum(v for k, v in codes.items() if 500 <= k < 599), "transport_errors": codes.get(599, 0),
        "codes": dict(sorted(codes.items())),
        "codes_by_op": {op: dict(sorted(v.items())) for op, v in sorted(by_op_codes.items())},
        "latency_ms": {op: {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95), "p99": pct(v, 99)}
                       for op, v in sorted(lat.items())},
        "loadavg_1min": {"min": min(loadavg), "mean": round(sum(loadavg) / len(loadavg), 2), "max": max(loadavg),
                         "samples": len(loadavg)},
        "cpu_seconds_user_sys": cpu,
        "errors_sample": errors[:5],
    }
