"""Server-rendered page latency on the embedded default (SQLite + Tantivy) with N documents.

Seeds N documents (rows + extracted text + one audit row each, spread over 3 departments; every 10th
document is a business letter whose retention has ended, so ``/records/due`` lists N/10 documents),
builds the Tantivy index with ``dms.search_index.reindex``, starts ``create_app`` under uvicorn on
loopback and requests each page sequentially over keep-alive HTTP as a signed-in user.

Per page it prints p50/p95/max of the wall time and p50/p95 of the *server's CPU time* per request
(sum of the on-CPU nanoseconds of all uvicorn threads from ``/proc/<pid>/task/*/schedstat``), and the
load average before and after — wall figures mean little on a shared machine, CPU figures do.
``/records/due`` is also timed on its very first request (no stored plan yet: at 100,000 documents it is
computed in the background and the page says so) and how long the first plan takes to be stored.

    .venv/bin/python bench/ui.py --docs 100000 --requests 200
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import PASSWORD, create_user, make_settings, prepare_database  # noqa: E402

WORDS = ["Bauantrag", "Baugenehmigung", "Gartenhaus", "Stellungnahme", "Umweltamt", "Rechnung", "Mahnung", "Widerspruch", "Bescheid", "Gewerbeanmeldung", "Sondernutzung", "Friedhof", "Kita", "Beitrag", "Schulweg", "Straßenbeleuchtung", "Kanal", "Abwasser", "Grundsteuer", "Hundesteuer", "Vertrag", "Angebot", "Auftrag", "Lieferschein", "Protokoll", "Sitzung", "Ratsbeschluss", "Haushalt"]
TYPES = ["Bauantrag", "Rechnung", "Bescheid", "Vertrag", "Protokoll", "Schreiben"]
DEPTS = ["63", "20", "32"]


def seed(settings, n: int) -> None:
    from dms.bootstrap import build_container
    from dms.db.tables import AuditEntry, Document, DocumentText

    container = build_container(settings, pool=False)
    rnd = random.Random(42)
    now = datetime.now(UTC)
    batch = 5000
    t0 = time.perf_counter()
    with container.db.write.begin() as conn:
        for start in range(0, n, batch):
            docs, texts, audits = [], [], []
            for i in range(start + 1, min(n, start + batch) + 1):
                dept = DEPTS[i % 3]
                words = " ".join(rnd.choice(WORDS) for _ in range(60))
                sha = hashlib.sha256(str(i).encode()).hexdigest()
                docs.append({
                    "id": i, "title": f"{rnd.choice(TYPES)} {rnd.choice(WORDS)} {i}", "document_type": rnd.choice(TYPES),
                    "correspondent": f"Bürger {i % 997}", "tags": [], "document_date": date(2020, 1, 1) + timedelta(days=i % 2000),
                    "department": dept, "custom_fields": {}, "channel": "upload", "received_at": now - timedelta(minutes=i),
                    "current_version": 1, "filename": f"dok-{i}.pdf", "mime_type": "application/pdf", "size": 2048,
                    "sha256": sha, "status": "ready", "processing_attempts": 1, "finalised": False,
                    "metadata_version": 1, "deleted": False, "acl_tokens": f" dept:{dept} ", "updated_at": now,
                })
                if i % 10 == 0:  # a business letter of 2014-2019: kept 6 years (AO § 147), now due
                    docs[-1].update(retention_class="ao147-briefe",
                                    document_date=date(2014, 1, 1) + timedelta(days=i % 2000))
                texts.append({"document_id": i, "version_no": 1, "content": words, "attachments": []})
                audits.append({"at": now.isoformat(), "actor_id": None, "actor": "bench", "action": "document.create",
                               "object_type": "document", "object_id": str(i), "details": "{}",
                               "prev_hash": "0" * 64, "row_hash": "0" * 64})
            conn.execute(insert(Document), docs)
            conn.execute(insert(DocumentText), texts)
            conn.execute(insert(AuditEntry), audits)
        # keep the audit head in step (the bench rows are not hash-chained: this database is throwaway)
        conn.execute(text("UPDATE audit_head SET last_id = (SELECT max(id) FROM audit_log)"))
    print(f"seeded {n} documents in {time.perf_counter() - t0:.1f} s")
    from dms.search_index import reindex

    t0 = time.perf_counter()
    report = reindex(container)
    print(f"indexed {report.documents} documents in {time.perf_counter() - t0:.1f} s")
    container.close()


def make_due(settings) -> None:
    """Data dirs seeded before the due share existed: mark every 10th document as a due business letter."""
    from sqlalchemy import create_engine

    engine = create_engine(settings.db_url)
    with engine.begin() as conn:
        if conn.execute(text("SELECT count(*) FROM documents WHERE retention_class IS NOT NULL")).scalar():
            return
        conn.execute(text("UPDATE documents SET retention_class = 'ao147-briefe', "
                          "document_date = date('2014-01-01', '+' || (id % 2000) || ' days') WHERE id % 10 = 0"))
    engine.dispose()


def server_cpu_ns(pid: int) -> int:
    """On-CPU nanoseconds of every thread of ``pid`` so far (schedstat: ns resolution, unlike utime)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total


def server_cpu_total_ms(pid: int) -> float:
    """utime+stime of the whole process from /proc/<pid>/stat: includes threads that have ended (the
    background plan computation), at clock-tick resolution — for spans, not single requests."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[max(0, int(len(values) * q) - 1)], 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200, help="requests per page")
    ap.add_argument("--data", type=Path, help="reuse a data dir seeded by an earlier run (same --docs)")
    args = ap.parse_args()
    if args.data and (args.data / "aktenwerk.sqlite3").exists():
        data = args.data
        settings = make_settings(data)
        prepare_database(settings)  # new migrations (e.g. 0600: stored plan, saved searches)
        make_due(settings)
        from sqlalchemy import create_engine

        engine = create_engine(settings.db_url)
        with engine.begin() as conn:  # a fresh first load of /records/due
            conn.execute(text("DELETE FROM retention_plan_items"))
            conn.execute(text("DELETE FROM retention_plan_runs"))
        engine.dispose()
    else:
        data = args.data or Path(tempfile.mkdtemp(prefix="aw-ui-bench-")) / "data"
        settings = make_settings(data)
        prepare_database(settings)
        for name, role, dept in (("clerk", "clerk", "63"), ("fin", "finance", "20"),
                                 ("rm", "records_manager", None), ("admin", "admin", None)):
            create_user(settings, name, role, **({"department": dept} if dept else {}))
        seed(settings, args.docs)
    print(f"data dir: {data}")

    port = free_port()
    env = {**os.environ, "AKTENWERK_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "tests.e2e.harness:app_from_env",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, dict[str, float]] = {}
    load_before = os.getloadavg()
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        pages = {
            "clerk": ["/inbox", "/search?q=Gartenhaus", "/search?q=Bauantrag&document_type=Bescheid&sort=date_desc",
                      "/documents/{doc}", "/akten", "/upload"],
            "fin": ["/invoices", "/payment-runs", "/finance/dashboard"],
            "rm": ["/records/due", "/records/due?page=3", "/records/holds", "/records/disposals"],
            "admin": ["/admin/users", "/admin/users/2", "/admin/limits", "/admin/departments", "/admin/routing",
                      "/admin/fileplan", "/admin/retention-classes", "/admin/health"],
        }
        rnd = random.Random(7)
        for user, paths in pages.items():
            with httpx.Client(base_url=base, timeout=60) as client:
                # the API login sets the same session cookie (the UI form's cookies are Secure on loopback,
                # which browsers accept over http://127.0.0.1 but httpx does not)
                r = client.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD})
                assert r.status_code == 200, r.status_code
                for path in paths:
                    wall, cpu = [], []
                    for i in range(args.requests + 5):
                        url = path.replace("{doc}", str(rnd.randrange(3, args.docs + 1, 3)))  # i % 3 == 0: dept 63
                        c0 = server_cpu_ns(proc.pid)
                        total0 = server_cpu_total_ms(proc.pid)
                        t0 = time.perf_counter()
                        resp = client.get(url)
                        elapsed = (time.perf_counter() - t0) * 1000
                        used = (server_cpu_ns(proc.pid) - c0) / 1e6
                        assert resp.status_code == 200, (url, resp.status_code)
                        if path == "/records/due" and i == 0:
                            results["/records/due (first load, no stored plan)"] = {
                                "p50_ms": round(elapsed, 1), "p95_ms": round(elapsed, 1), "max_ms": round(elapsed, 1),
                                "cpu_p50_ms": round(used, 1), "cpu_p95_ms": round(used, 1),
                            }
                            waited = time.perf_counter()
                            while "zum ersten Mal berechnet" in resp.text:  # computed in the background
                                time.sleep(0.2)
                                resp = client.get(url)
                            ready = {"seconds": round(time.perf_counter() - waited, 1),
                                     "server_cpu_ms": round(server_cpu_total_ms(proc.pid) - total0, 1)}
                            results["/records/due (first plan ready after)"] = ready  # type: ignore[assignment]
                            print(f"first plan stored after {ready['seconds']} s (server CPU {ready['server_cpu_ms']} ms)")
                        if i >= 5:  # warm-up
                            wall.append(elapsed)
                            cpu.append(used)
                    results[path] = {
                        "p50_ms": round(statistics.median(wall), 1), "p95_ms": pct(wall, 0.95),
                        "max_ms": round(max(wall), 1),
                        "cpu_p50_ms": round(statistics.median(cpu), 1), "cpu_p95_ms": pct(cpu, 0.95),
                    }
        for path, v in results.items():
            if "p50_ms" not in v:
                continue
            print(f"{path:62s} wall p50 {v['p50_ms']:7.1f} p95 {v['p95_ms']:7.1f} ms | "
                  f"server CPU p50 {v['cpu_p50_ms']:7.1f} p95 {v['cpu_p95_ms']:7.1f} ms")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.2f} after {load_after[0]:.2f} ({os.cpu_count()} CPUs)")
    steady = {k: v for k, v in results.items() if "first" not in k}
    worst = max(v["p95_ms"] for v in steady.values())
    worst_cpu = max(v["cpu_p95_ms"] for v in steady.values())
    print(json.dumps({"documents": args.docs, "requests_per_page": args.requests, "worst_p95_ms": worst,
                      "worst_cpu_p95_ms": worst_cpu, "load_avg_before": load_before[0],
                      "load_avg_after": load_after[0], "pages": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
