"""Server-rendered page latency on the embedded default (SQLite + Tantivy) with N documents.

Seeds N documents (rows + extracted text + one audit row each, spread over 3 departments), builds the
Tantivy index with ``dms.search_index.reindex``, starts ``create_app`` under uvicorn on loopback and
requests each page sequentially over keep-alive HTTP as a signed-in user. Prints p50/p95/max per page.

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
            "rm": ["/records/holds", "/records/disposals", "/records/due"],
            "admin": ["/admin/users", "/admin/health"],
        }
        rnd = random.Random(7)
        for user, paths in pages.items():
            with httpx.Client(base_url=base, timeout=30) as client:
                # the API login sets the same session cookie (the UI form's cookies are Secure on loopback,
                # which browsers accept over http://127.0.0.1 but httpx does not)
                r = client.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD})
                assert r.status_code == 200, r.status_code
                for path in paths:
                    times = []
                    n = args.requests if path != "/records/due" else max(5, args.requests // 20)
                    for i in range(n + 5):
                        url = path.replace("{doc}", str(rnd.randrange(3, args.docs + 1, 3)))  # i % 3 == 0: dept 63
                        t0 = time.perf_counter()
                        resp = client.get(url)
                        elapsed = (time.perf_counter() - t0) * 1000
                        assert resp.status_code == 200, (url, resp.status_code)
                        if i >= 5:  # warm-up
                            times.append(elapsed)
                    times.sort()
                    results[path] = {
                        "p50_ms": round(statistics.median(times), 1),
                        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
                        "max_ms": round(times[-1], 1),
                    }
                    print(f"{path:65s} p50 {results[path]['p50_ms']:7.1f} ms  p95 {results[path]['p95_ms']:7.1f} ms")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    worst = max(v["p95_ms"] for v in results.values())
    print(json.dumps({"documents": args.docs, "requests_per_page": args.requests, "worst_p95_ms": worst,
                      "pages": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
