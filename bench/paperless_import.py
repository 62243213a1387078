"""Paperless import throughput (documents/s) from a local Paperless-compatible source.

    .venv/bin/python bench/paperless_import.py --docs 10000

The source is an Aktenwerk instance seeded with N small documents (tags, correspondent, type, date,
ASN, a custom field; every 10th with a note) and served by `aktenwerk serve --no-worker` in its own
process on 127.0.0.1, speaking the Paperless API (`/paperless/api/`). The target is a fresh Aktenwerk
(SQLite, own data dir) in this process; `import_paperless` runs exactly as the CLI does (pypaperless,
8 parallel downloads, MD5 check against the metadata endpoint, SHA-256 check against the store, one
transaction per document). Ingest jobs for the target are queued (recorded), not run: this measures
the migration itself; the pipeline's throughput is bench/ingest.py.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
AKTENWERK = str(Path(sys.executable).with_name("aktenwerk"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(settings: object, n: int) -> str:
    """N documents via the document service (batches of 500 per transaction); returns an admin token."""
    from dms.auth import service as auth
    from dms.bootstrap import build_container
    from dms.db.migrate import upgrade
    from dms.db.uow import RecordingDispatcher
    from dms.domain.principal import SYSTEM
    from dms.ops.setup import ensure_dirs
    from dms.paperless.tables import PaperlessNote
    from dms.services import documents as svc

    ensure_dirs(settings)  # type: ignore[arg-type]
    upgrade(settings.db_url)  # type: ignore[attr-defined]
    c = build_container(settings, dispatcher=RecordingDispatcher(), pool=False)  # type: ignore[arg-type]
    tags = ["Bau", "Eilt", "Finanzen", "Umwelt", "Ordnung", "Schule", "Soziales", "Kultur"]
    corrs = [f"Firma {i:03d} GmbH" for i in range(150)]
    types = ["Antrag", "Bescheid", "Rechnung", "Vermerk", "Schreiben"]
    try:
        with c.uow() as uow:
            user = auth.create_user(uow.session, None, "bench-admin", "admin", department="10")
            _, token = auth.create_token(uow.session, None, int(user.id or 0), "bench")
            uow.commit()
        for start in range(0, n, 500):
            with c.uow() as uow:
                s = uow.session
                for i in range(start, min(n, start + 500)):
                    data = (f"Vorgang {i}\nStadt Musterhausen, Aktenzeichen 63-2026/{i:05d}\n" + "Text " * 40).encode()
                    blob = c.store.put(data)
                    new = svc.create_document(
                        s, SYSTEM, blob, filename=f"vorgang-{i:05d}.txt", mime_type="text/plain",
                        title=f"Vorgang {i}", document_type=types[i % len(types)], department="63",
                        document_date=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", correspondent=corrs[i % len(corrs)],
                        tags=[tags[i % 8], tags[(i // 8) % 8]], custom_fields={"Kassenzeichen": f"K-{i:06d}"},
                        channel="import")
                    doc = s.get(svc.Document, new.id)
                    assert doc is not None
                    doc.asn, doc.status = str(100000 + i), "ready"
                    if i % 10 == 0:
                        s.add(PaperlessNote(document_id=new.id, note=f"Notiz zu {i}", user_id=user.id))
                uow.commit()
        return token
    finally:
        c.close()


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()

    from dms.db.uow import RecordingDispatcher
    from dms.domain.principal import SYSTEM
    from dms.paperless.importer import import_paperless
    from dms.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="aw-paperless-bench-"))
    src = Settings(data_dir=tmp / "source", search_backend="memory", secret_key="bench")
    t0 = time.perf_counter()
    token = seed(src, args.docs)
    print(f"seeded {args.docs} source documents in {time.perf_counter() - t0:.1f} s")

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKTENWERK_")}
    env.update({"AKTENWERK_DATA_DIR": str(src.data_dir), "AKTENWERK_SEARCH_BACKEND": "memory",
                "AKTENWERK_SECRET_KEY": "bench", "AKTENWERK_LOG_LEVEL": "WARNING"})
    proc = subprocess.Popen([AKTENWERK, "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        from dms.bootstrap import build_container
        from dms.db.migrate import upgrade
        from dms.ops.setup import ensure_dirs

        dst = Settings(data_dir=tmp / "target", search_backend="memory", secret_key="bench")
        ensure_dirs(dst)
        upgrade(dst.db_url)
        target = build_container(dst, dispatcher=RecordingDispatcher(), pool=False)
        load_before = os.getloadavg()[0]
        cpu0, src0 = time.process_time(), proc_cpu_seconds(proc.pid)
        try:
            report = import_paperless(target, f"{base}/paperless", token, SYSTEM, concurrency=args.concurrency)
        finally:
            target.close()
        cpu_importer, cpu_source = time.process_time() - cpu0, proc_cpu_seconds(proc.pid) - src0
        load_after = os.getloadavg()[0]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    print(f"imported {report.imported}/{report.total} documents, {len(report.failures)} failures, "
          f"{report.checksums_verified} checksums verified, {report.notes} notes")
    print(f"import: {report.seconds:.1f} s = {report.rate:.1f} documents/s (cpus: {os.cpu_count()})")
    n = max(1, report.imported)
    print(f"CPU per document: importer {cpu_importer / n * 1000:.1f} ms + source {cpu_source / n * 1000:.1f} ms "
          f"= {(cpu_importer + cpu_source) / n * 1000:.1f} ms ({n / (cpu_importer + cpu_source):.1f} documents per "
          f"CPU-second); load average {load_before:.1f} → {load_after:.1f}")
    if report.failures:
        print("first failures:", [(f.paperless_id, f.reason) for f in report.failures[:5]])


if __name__ == "__main__":
    main()
