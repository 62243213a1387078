"""Ingest under ``kill -9``: uploads over HTTP to a live API while the API and the workers are SIGKILLed
at random moments; afterwards every acknowledged upload must be stored bit-exact, processed, searchable,
with no duplicates, no orphan blobs, no stuck ``processing``, and fixity + audit verify passing.

Shared by ``tests/reliability/test_crash_ingest.py`` (small, in CI) and ``bench/faults.py`` (1,000 docs).
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.integration.worker_harness import Worker, wait_for
from tests.reliability.harness import LiveApi, cli


@dataclass
class Acked:
    doc_id: int
    sha256: str
    data: bytes
    word: str


@dataclass
class CrashReport:
    documents: int
    acked: int = 0
    refused: int = 0  # connection refused/reset or 5xx while a process was down: not acknowledged
    api_kills: int = 0
    worker_kills: int = 0
    orphans_quarantined: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "problems"} | {"problems": self.problems[:20]}


def _pdf(word: str) -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 750, f"Bescheid Aktenwerk {word} Zuverlässigkeit")
    c.showPage()
    c.save()
    return buf.getvalue()


class _Killer:
    """Kills the API or a worker a random few milliseconds after a chosen upload started, and restarts it
    (the API at once; a worker without waiting for it to be ready, as a supervisor would)."""

    def __init__(self, api: LiveApi, workers: list[Worker], start_worker: Any, rng: random.Random) -> None:
        self.api, self.workers, self.start_worker, self.rng = api, workers, start_worker, rng
        self.api_kills = self.worker_kills = 0
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def fire(self) -> None:
        delay, target = self.rng.uniform(0.0, 0.08), self.rng.random()
        idx = self.rng.randrange(len(self.workers))
        t = threading.Thread(target=self._kill, args=(delay, target, idx), daemon=True)
        self._threads.append(t)
        t.start()

    def _kill(self, delay: float, target: float, idx: int) -> None:
        time.sleep(delay)
        try:
            with self._lock:
                if target < 0.5:
                    self.api.kill()
                    self.api_kills += 1
                    self.api.start()
                else:
                    self.workers[idx].kill()
                    self.worker_kills += 1
                    self.workers[idx] = self.start_worker(beat=(idx == 0), ready=False)
        except BaseException as exc:  # reported by the caller
            self.errors.append(exc)

    def join(self) -> None:
        for t in self._threads:
            t.join(timeout=120)


def run_ingest_under_faults(
    settings: Any, container: Any, token: str, work_dir: Path, *, documents: int, workers: int = 1,
    faults: int = 6, seed: int = 1, settle_timeout: float = 180,
) -> CrashReport:
    """Run the scenario; ``container`` is used for the final database checks only."""
    from dms.db.tables import Document, DocumentVersion
    from dms.ops.blobs import sweep_orphans

    rng = random.Random(seed)
    report = CrashReport(documents=documents)
    started = time.monotonic()
    wenv = {"stuck_after_seconds": 3, "sweep_interval_seconds": 1, "ocr_enabled": "false"}

    def start_worker(beat: bool = False, ready: bool = True) -> Worker:
        w = Worker(settings, work_dir, concurrency=1, beat=beat, **wenv)
        if ready:
            w.wait_ready()
        return w

    api = LiveApi(settings, work_dir, ocr_enabled="false").start()
    pool = [start_worker(beat=(i == 0)) for i in range(workers)]
    killer = _Killer(api, pool, start_worker, rng)
    acked: list[Acked] = []
    headers = {"Authorization": f"Bearer {token}"}
    kill_at = set(rng.sample(range(3, max(documents, faults + 3)), k=faults))
    try:
        n = 0
        while len(acked) < documents:
            n += 1
            if len(acked) in kill_at:
                kill_at.discard(len(acked))
                killer.fire()
            word = f"zuv{seed}x{n}q{rng.randrange(10**6)}"
            data = _pdf(word)
            try:
                r = httpx.post(api.url + "/api/v1/documents", headers=headers,
                               files={"file": (f"bescheid-{n}.pdf", data, "application/pdf")}, timeout=20)
            except httpx.HTTPError:
                report.refused += 1
                time.sleep(0.05)
                continue
            if r.status_code == 202:
                acked.append(Acked(int(r.json()["id"]), hashlib.sha256(data).hexdigest(), data, word))
            elif r.status_code >= 500:
                report.refused += 1
            else:
                report.problems.append(f"upload answered {r.status_code}: {r.text[:200]}")
                break
    finally:
        killer.join()
    if killer.errors:
        report.problems.append(f"fault injector failed: {killer.errors[0]!r}")
    report.api_kills, report.worker_kills, report.acked = killer.api_kills, killer.worker_kills, len(acked)
    if api.proc is None or api.proc.poll() is not None:
        api.start()
    try:
        _settle_and_check(api, headers, acked, container, report, settle_timeout, Document, DocumentVersion)
        moved = sweep_orphans(container, grace_seconds=0)
        report.orphans_quarantined = len(moved.orphaned)
        acked_shas = {a.sha256 for a in acked}
        if acked_shas & set(moved.orphaned):
            report.problems.append("an acknowledged upload's blob was treated as orphaned")
        if sweep_orphans(container, grace_seconds=0, dry_run=True).orphaned:
            report.problems.append("orphan blobs remain after the sweep")
        for args, what in ((("fixity", "check"), "fixity check"), (("audit", "verify"), "audit verify"),
                           (("search", "check"), "search check")):
            res = cli(settings, *args)
            if res.returncode != 0:
                report.problems.append(f"aktenwerk {what} failed: {res.stdout[-500:]} {res.stderr[-500:]}")
    finally:
        api.stop()
        for w in pool:
            w.kill()
    report.seconds = round(time.monotonic() - started, 1)
    return report


def _settle_and_check(api: LiveApi, headers: dict[str, str], acked: list[Acked], container: Any,
                      report: CrashReport, timeout: float, Document: Any, DocumentVersion: Any) -> None:
    from sqlalchemy import select

    def all_done() -> bool:
        with container.uow(read_only=True) as uow:
            states = Counter(uow.session.execute(select(Document.status)).scalars())
        return states.get("processing", 0) == 0

    try:
        wait_for(all_done, timeout, interval=0.5, what="no document left in processing")
    except TimeoutError:
        report.problems.append("documents stuck in processing after the settle timeout")
    with container.uow(read_only=True) as uow:
        rows = uow.session.execute(select(Document.id, Document.sha256, Document.status)).all()
        versions = {(d, s) for d, s in uow.session.execute(select(DocumentVersion.document_id, DocumentVersion.sha256))}
    by_id = {int(i): (sha, status) for i, sha, status in rows}
    dupes = [sha for sha, k in Counter(sha for sha, _ in by_id.values()).items() if k > 1]
    if dupes:
        report.problems.append(f"duplicate documents for {len(dupes)} upload(s)")
    not_ready = {i: st for i, (_, st) in by_id.items() if st != "ready"}
    if not_ready:
        report.problems.append(f"documents not ready: {dict(list(not_ready.items())[:10])}")
    client = httpx.Client(base_url=api.url, headers=headers, timeout=30)
    with client:
        for a in acked:
            if by_id.get(a.doc_id, ("", ""))[0] != a.sha256 or (a.doc_id, a.sha256) not in versions:
                report.problems.append(f"acknowledged document {a.doc_id} missing or with other bytes")
                continue
            body = client.get(f"/api/v1/documents/{a.doc_id}/original").content
            if body != a.data:
                report.problems.append(f"document {a.doc_id}: original differs from the uploaded bytes")

        def searchable() -> bool:
            missing = [a for a in acked if a.doc_id not in _hits(client, a.word)]
            return not missing

        try:
            wait_for(searchable, 60, interval=1, what="every acknowledged upload searchable")
        except TimeoutError:
            missing = [a.doc_id for a in acked if a.doc_id not in _hits(client, a.word)]
            report.problems.append(f"not searchable: {missing[:10]} ({len(missing)} of {len(acked)})")


def _hits(client: httpx.Client, word: str) -> set[int]:
    r = client.get("/api/v1/search", params={"q": word})
    if r.status_code != 200:
        return set()
    return {int(h["id"]) for h in r.json()["hits"]}
