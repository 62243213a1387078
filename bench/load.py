"""Load: N concurrent clients mixing search, document reads and uploads against a live API + worker.

    .venv/bin/python bench/load.py --mode embedded --clients 20 --seconds 300
    .venv/bin/python bench/load.py --mode postgres --clients 20 --seconds 300   # PostgreSQL + Redis, 2 workers

Mix per request: 45 % search, 20 % document metadata, 15 % original download, 10 % document list,
10 % upload (1-page PDF). Seeds 200 documents first. Prints one JSON line: requests, error rate, 5xx,
p50/p95/p99 per operation and overall. Figures go to docs/reliability.md.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repo, not bench/ (bench/search.py shadows `search`)

import httpx  # noqa: E402

from tests.integration.worker_harness import Worker  # noqa: E402
from tests.reliability.benchenv import drop_db, make_env  # noqa: E402
from tests.reliability.harness import LiveApi  # noqa: E402

WORDS = ["Bauantrag", "Bescheid", "Rechnung", "Widerspruch", "Gewerbe", "Kita", "Friedhof", "Straße", "Haushalt",
         "Vergabe", "Baugenehmigung", "Sondernutzung", "Hundesteuer", "Wahlen", "Personal", "Schule"]


def _pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 750, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return round(s[min(len(s) - 1, int(p / 100 * len(s)))] * 1000, 1)


def run(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="akw-load-") as tmp:
        base = Path(tmp)
        settings, container, token, db = make_env(base, args.mode)
        api = LiveApi(settings, base, processes=args.api_processes, ocr_enabled="false").start()
        workers = [Worker(settings, base, concurrency=1, beat=(i == 0), ocr_enabled="false")
                   for i in range(2 if args.mode == "postgres" else 1)]
        for w in workers:
            w.wait_ready()
        headers = {"Authorization": f"Bearer {token}"}
        seed_client = httpx.Client(base_url=api.url, headers=headers, timeout=60)
        ids: list[int] = []
        rng = random.Random(args.seed)
        for i in range(args.seed_docs):
            text = " ".join(rng.choice(WORDS) for _ in range(6)) + f" Seed {i}"
            r = seed_client.post("/api/v1/documents", files={"file": (f"s{i}.pdf", _pdf(text), "application/pdf")})
            r.raise_for_status()
            ids.append(int(r.json()["id"]))
        lat: dict[str, list[float]] = defaultdict(list)
        codes: dict[int, int] = defaultdict(int)
        errors: list[str] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def client_loop(n: int) -> None:
            crng = random.Random(args.seed * 1000 + n)
            with httpx.Client(base_url=api.url, headers=headers, timeout=60) as c:
                k = 0
                while time.monotonic() < stop_at:
                    k += 1
                    x = crng.random()
                    t0 = time.perf_counter()
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
                            data = _pdf(f"{crng.choice(WORDS)} Last {n}-{k}-{crng.random()}")
                            op, r = "upload", c.post("/api/v1/documents",
                                                     files={"file": (f"l{n}-{k}.pdf", data, "application/pdf")})
                        status = r.status_code
                    except httpx.HTTPError as exc:
                        op, status = "error", 599
                        with lock:
                            errors.append(repr(exc)[:200])
                    dt = time.perf_counter() - t0
                    with lock:
                        lat[op].append(dt)
                        lat["all"].append(dt)
                        codes[status] += 1

        threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seed_client.close()
        api.stop()
        for w in workers:
            w.kill()
        container.close()
        drop_db(db)
    total = sum(codes.values())
    failed = sum(v for k, v in codes.items() if k >= 400)
    return {
        "mode": args.mode, "clients": args.clients, "seconds": args.seconds, "requests": total,
        "req_per_s": round(total / args.seconds, 1), "error_rate": round(failed / total, 5) if total else None,
        "status_5xx": sum(v for k, v in codes.items() if 500 <= k < 599), "transport_errors": codes.get(599, 0),
        "codes": dict(sorted(codes.items())),
        "latency_ms": {op: {"n": len(v), "p50": _pct(v, 50), "p95": _pct(v, 95), "p99": _pct(v, 99)}
                       for op, v in sorted(lat.items())},
        "errors_sample": errors[:5],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=["embedded", "postgres"], default="embedded")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--seconds", type=int, default=300)
    p.add_argument("--seed-docs", type=int, default=200)
    p.add_argument("--api-processes", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    print(json.dumps(run(p.parse_args())))


if __name__ == "__main__":
    main()
