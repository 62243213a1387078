"""Ingest throughput, upload → ready, for 1-page text PDFs.

    .venv/bin/python bench/ingest.py --mode embedded --docs 300
    .venv/bin/python bench/ingest.py --mode scaleout --docs 300      # PostgreSQL + Redis, 2 worker processes
    add --no-ocr to switch the OCR step's PDF/A archive copy off (AKTENWERK_OCR_ENABLED=false)

Starts real processes on loopback only (`aktenwerk serve`, or `serve --no-worker` + 2 Celery workers),
uploads with 4 concurrent clients, polls until every document is ready, prints docs/s.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
AKTENWERK = str(Path(PY).with_name("aktenwerk"))
PG_URL = os.environ.get("AKTENWERK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("AKTENWERK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/15"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_pdf(i: int) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 750, f"Bescheid Nummer {i} der Stadt Musterhausen vom 26.11.2026")
    c.drawString(72, 730, f"Aktenzeichen 63.01.02-2026/{i:04d} Baugenehmigung Grundstück Flur {i % 97}")
    c.save()
    return buf.getvalue()


class Stack:
    """The processes of one mode; everything bound to 127.0.0.1, stopped in ``close``."""

    def __init__(self, mode: str, ocr: bool, extra_env: dict[str, str] | None = None) -> None:
        self.mode = mode
        self.tmp = Path(tempfile.mkdtemp(prefix="aw-bench-"))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AKTENWERK_")}
        self.env.update({"AKTENWERK_DATA_DIR": str(self.tmp / "data"), "AKTENWERK_LOG_LEVEL": "WARNING",
                         "AKTENWERK_SEARCH_BACKEND": "memory", "AKTENWERK_OCR_ENABLED": "true" if ocr else "false"})
        self.env.update(extra_env or {})
        self.procs: list[subprocess.Popen[bytes]] = []
        self.pg_db: str | None = None
        if mode == "scaleout":
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            self.pg_db = f"akw_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.pg_db}"'))
            admin.dispose()
            import redis

            redis.Redis.from_url(REDIS_URL).flushdb()
            self.env["AKTENWERK_DATABASE_URL"] = make_url(PG_URL).set(database=self.pg_db).render_as_string(False)
            self.env["AKTENWERK_BROKER_URL"] = REDIS_URL
        out = subprocess.run([AKTENWERK, "init"], env=self.env, capture_output=True, text=True, check=True)
        assert "admin password" in out.stdout
        tok = subprocess.run([AKTENWERK, "user", "create", "bench", "--role", "clerk", "--department", "63", "--token"],
                             env=self.env, capture_output=True, text=True, check=True)
        self.token = tok.stdout.strip().splitlines()[-1]
        self.port = free_port()
        log = (self.tmp / "serve.log").open("wb")
        if mode == "embedded":
            self._spawn([AKTENWERK, "serve", "--host", "127.0.0.1", "--port", str(self.port)], log)
        else:
            self._spawn([AKTENWERK, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-worker"], log)
            for n in range(2):
                self._spawn([PY, "-m", "celery", "-A", "dms.worker.app", "worker", "--concurrency", "1",
                             "--loglevel", "WARNING", "-n", f"bench{n}-{uuid.uuid4().hex[:6]}@%h",
                             "--without-gossip", "--without-mingle"], log)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        time.sleep(3)  # workers up

    def _spawn(self, cmd: list[str], log: object) -> None:
        self.procs.append(subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,  # type: ignore[arg-type]
                                           start_new_session=True))

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user+sys) per process group: the server/API and each worker with its children."""
        out = subprocess.run(["ps", "-eo", "pgid,time"], capture_output=True, text=True, check=True).stdout
        per: dict[int, float] = {}
        for line in out.splitlines()[1:]:
            pgid, t = line.split()
            d, _, hms = t.rpartition("-")
            h, m, sec = (int(x) for x in hms.split(":"))
            per[int(pgid)] = per.get(int(pgid), 0.0) + (int(d or 0) * 86400 + h * 3600 + m * 60 + sec)
        return {f"group{i}": per.get(p.pid, 0.0) for i, p in enumerate(self.procs)}

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        if self.pg_db:
            from sqlalchemy import create_engine, text

            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_db}" WITH (FORCE)'))
            admin.dispose()


def run(mode: str, docs: int, ocr: bool, extra_env: dict[str, str] | None = None) -> dict[str, float]:
    stack = Stack(mode, ocr, extra_env)
    try:
        pdfs = [make_pdf(i) for i in range(docs)]
        headers = {"Authorization": f"Bearer {stack.token}"}
        client = httpx.Client(base_url=stack.base, headers=headers, timeout=60)

        def upload(i: int) -> int:
            r = client.post("/api/v1/documents", files={"file": (f"bescheid-{i}.pdf", pdfs[i], "application/pdf")})
            r.raise_for_status()
            return int(r.json()["id"])

        t0 = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            ids = list(pool.map(upload, range(docs)))
        t_upload = time.perf_counter() - t0
        pending = set(ids)
        failed = 0
        while pending:
            r = client.get("/api/v1/documents", params={"status": "processing", "limit": 1})
            if r.json()["total"] == 0:
                break
            time.sleep(0.2)
        t_all = time.perf_counter() - t0
        failed = client.get("/api/v1/documents", params={"status": "failed", "limit": 1}).json()["total"]
        ready = client.get("/api/v1/documents", params={"status": "ready", "limit": 1}).json()["total"]
        print("cpu seconds per process group (1 s resolution):", stack.cpu_seconds())
        return {"docs": docs, "ready": ready, "failed": failed, "upload_s": t_upload, "total_s": t_all,
                "docs_per_s": docs / t_all, "uploads_per_s": docs / t_upload}
    finally:
        stack.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["embedded", "scaleout"], default="embedded")
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--no-ocr", action="store_true", help="AKTENWERK_OCR_ENABLED=false (no PDF/A archive copy)")
    ap.add_argument("--env", action="append", default=[], help="extra AKTENWERK_X=V for the server processes")
    a = ap.parse_args()
    r = run(a.mode, a.docs, not a.no_ocr, dict(e.split("=", 1) for e in a.env))
    print(f"mode={a.mode} ocr={'off' if a.no_ocr else 'on'} docs={r['docs']} ready={r['ready']} failed={r['failed']} "
          f"uploads/s={r['uploads_per_s']:.1f} upload->ready docs/s={r['docs_per_s']:.1f} total={r['total_s']:.1f}s")


if __name__ == "__main__":
    main()
