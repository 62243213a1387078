"""`aktenwerk audit verify` over N audit rows (default 1,000,000) on the embedded SQLite database.

    .venv/bin/python bench/audit.py --rows 1000000
    .venv/bin/python bench/audit.py --rows 1000000 --postgres     # into a scratch PostgreSQL database
    .venv/bin/python bench/audit.py --url postgresql+psycopg://postgres@127.0.0.1:5432/DB   # an already filled DB

Writes a valid chain with the same canonical encoding as dms.audit (bulk insert, not timed), then times
the real CLI command (`aktenwerk audit verify`) end to end, and the in-process verify_chain. Besides wall
time it reports CPU time (user+sys): the CLI child, the in-process verify, and the PostgreSQL server
processes on this machine (from /proc) — wall figures mean little while other work shares the cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from dms import audit
from dms.db.engine import make_engine
from dms.db.migrate import upgrade
from dms.db.tables import AuditEntry

AKTENWERK = str(Path(sys.executable).with_name("aktenwerk"))
PG_URL = os.environ.get("AKTENWERK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def fill(url: str, rows: int) -> None:
    engine = make_engine(url, pool=False)
    prev = audit.GENESIS
    batch: list[dict[str, object]] = []
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
        for i in range(1, rows + 1):
            at = f"2026-11-26T10:{(i // 60) % 60:02d}:{i % 60:02d}.{i % 1000000:06d}Z"
            det = json.dumps({"document": i, "version": 1}, separators=(",", ":"), sort_keys=True)
            c = audit.canonical(i, at, 7, "sachbearbeiterin", "document.read_content", "document", str(i), det)
            h = hashlib.sha256(f"{prev}\x1e{c}".encode()).hexdigest()
            batch.append({"id": i, "at": at, "actor_id": 7, "actor": "sachbearbeiterin",
                          "action": "document.read_content", "object_type": "document", "object_id": str(i),
                          "details": det, "prev_hash": prev, "row_hash": h})
            prev = h
            if len(batch) == 20000:
                conn.execute(insert(AuditEntry), batch)
                batch = []
        if batch:
            conn.execute(insert(AuditEntry), batch)
        conn.execute(text("UPDATE audit_head SET last_id = :n, last_hash = :h WHERE id = 1"), {"n": rows, "h": prev})
    engine.dispose()


def backend_cpu(pid: int | None) -> float:
    """CPU seconds (user+sys) of one local PostgreSQL backend process (0 where /proc does not show it)."""
    if pid is None:
        return 0.0
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    rest = stat[stat.rindex(")") + 2 :].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--postgres", action="store_true")
    ap.add_argument("--url", help="verify this already filled database (no fill, nothing dropped)")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="aw-audit-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKTENWERK_")}
    env["AKTENWERK_DATA_DIR"] = str(tmp)
    db_name = None
    if a.url:
        url = a.url
        env["AKTENWERK_DATABASE_URL"] = url
    elif a.postgres:
        db_name = f"akw_audit_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{db_name}"'))
        url = make_url(PG_URL).set(database=db_name).render_as_string(False)
        env["AKTENWERK_DATABASE_URL"] = url
    else:
        url = f"sqlite:///{tmp / 'aktenwerk.sqlite3'}"
    try:
        if not a.url:
            upgrade(url)
            t = time.perf_counter()
            fill(url, a.rows)
            print(f"filled {a.rows} rows in {time.perf_counter() - t:.1f}s (not part of the figure)")
        t, c = time.perf_counter(), children_cpu()
        r = subprocess.run([AKTENWERK, "audit", "verify"], env=env, capture_output=True, text=True, check=False)
        cli_s, cli_cpu = time.perf_counter() - t, children_cpu() - c
        print(r.stdout.strip() or r.stderr.strip())
        engine = make_engine(url, immediate=False, pool=False)
        dialect = make_url(url).get_backend_name()
        with engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() if dialect == "postgresql" else None
            conn.commit()  # verify_chain starts its own (snapshot) transaction
            t, c, pg = time.perf_counter(), time.process_time(), backend_cpu(pid)
            res = audit.verify_chain(conn)
            inproc, inproc_cpu, inproc_pg = time.perf_counter() - t, time.process_time() - c, backend_cpu(pid) - pg
        engine.dispose()
        pg_note = f" + postgres backend cpu={inproc_pg:.1f}s" if pid else ""
        print(f"rows={res.rows} ok={res.ok} cli_exit={r.returncode} db={dialect}\n"
              f"  cli: wall={cli_s:.1f}s cpu={cli_cpu:.1f}s (user+sys of the command, incl. interpreter start-up)\n"
              f"  in-process verify_chain: wall={inproc:.1f}s cpu={inproc_cpu:.1f}s{pg_note}")
    finally:
        if db_name:
            admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
