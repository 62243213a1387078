"""Processes for the reliability campaign: a live API (uvicorn) that can be SIGKILLed and restarted,
REAL Celery workers (``tests.integration.worker_harness``), throw-away PostgreSQL and Redis servers on
their own ports (so stopping them never disturbs other tests), and the ``aktenwerk`` CLI as a subprocess.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.integration.worker_harness import ROOT, settings_env, wait_for

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app_env(settings: Any, **extra: Any) -> dict[str, str]:
    """Environment for a child process on ``settings`` (OCR off: the queue, not OCR, is under test)."""
    extra.setdefault("ocr_enabled", "false")
    return settings_env(settings, **extra)


class LiveApi:
    """``uvicorn dms.web.app:create_app --factory`` in its own process group."""

    def __init__(self, settings: Any, log_dir: Path, *, processes: int = 1, **env: Any) -> None:
        self.settings, self.log_dir, self.env, self.processes = settings, log_dir, env, processes
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 60) -> LiveApi:
        self.starts += 1
        log = (self.log_dir / f"api-{self.port}-{self.starts}.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "dms.web.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning", "--no-access-log", "--workers", str(self.processes)],
            cwd=ROOT, env=app_env(self.settings, **self.env), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

        def up() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"API exited early:\n{self.log()}")
            try:
                return httpx.get(self.url + "/api/v1/me", timeout=2).status_code == 401
            except httpx.HTTPError:
                return False

        wait_for(up, timeout, interval=0.1, what="the API to answer")
        return self

    def log(self) -> str:
        logs = sorted(self.log_dir.glob(f"api-{self.port}-*.log"))
        return logs[-1].read_text(errors="replace")[-4000:] if logs else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, in-flight requests die with the process."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def cli(settings: Any, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``aktenwerk <args>`` against ``settings`` in a child process."""
    return subprocess.run(
        [sys.executable, "-c", "from dms.cli import main; main()", *args],
        cwd=ROOT, env=app_env(settings), capture_output=True, text=True, timeout=timeout, check=False,
    )


class ThrowawayPostgres:
    """A private PostgreSQL 15 cluster in a temp dir on its own port (trust auth, fsync off).

    PostgreSQL refuses to run as root: then the cluster lives in a fresh /tmp dir owned by ``postgres``
    and the server runs as that user (``runuser``)."""

    def __init__(self, base: Path) -> None:
        self.as_root = os.geteuid() == 0
        if self.as_root:
            base = Path(tempfile.mkdtemp(prefix="akw-pg-"))
            shutil.chown(base, "postgres", "postgres")
        self.base = base
        self.dir = base / "pgdata"
        self.sock = base / "pgsock"
        self.port = free_port()
        self.log = base / "pg.log"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *cmd: str, check: bool = True) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        subprocess.run([*prefix, *cmd], check=check, capture_output=True)

    def init(self) -> ThrowawayPostgres:
        self.base.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.base, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.dir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        self._run("mkdir", "-p", str(self.sock))
        return self.start()

    def start(self) -> ThrowawayPostgres:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-l", str(self.log), "-w", "-o",
                  f"-p {self.port} -k {self.sock} -c fsync=off -c listen_addresses=127.0.0.1", "start")
        return self

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.dir), "-m", "immediate", "-w", "stop", check=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


class ThrowawayRedis:
    """``redis-server`` on its own port without persistence (a restart starts empty)."""

    def __init__(self, base: Path) -> None:
        self.port = free_port()
        self.dir = base
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> ThrowawayRedis:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )

        def up() -> bool:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
            return False

        wait_for(up, 20, what="redis-server")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def elapsed(start: float) -> float:
    return round(time.monotonic() - start, 2)
