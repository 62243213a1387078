"""Start/stop/kill REAL Celery worker processes for integration tests (own process group each)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def settings_env(settings: Any, **extra: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKTENWERK_")}
    env.update(
        {
            "AKTENWERK_DATA_DIR": str(settings.data_path),
            "AKTENWERK_DATABASE_URL": settings.db_url,
            "AKTENWERK_BROKER_URL": settings.broker,
            "AKTENWERK_SECRET_KEY": "test-secret",
            "AKTENWERK_SEARCH_BACKEND": settings.search_backend,
            "AKTENWERK_BROKER_POLLING_INTERVAL": "0.05",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update({f"AKTENWERK_{k.upper()}": str(v) for k, v in extra.items()})
    return env


class Worker:
    def __init__(
        self, settings: Any, log_dir: Path, *, concurrency: int = 1, beat: bool = False, **env: Any
    ) -> None:
        self.name = f"test-{uuid.uuid4().hex[:8]}"
        self.log_path = log_dir / f"{self.name}.log"
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "dms.worker.app",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "-n",
            f"{self.name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        if beat:
            cmd += ["-B", "--schedule", str(log_dir / f"{self.name}-beat")]
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=settings_env(settings, **env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log()}")
            if b" ready." in self.log_path.read_bytes():
                return
            time.sleep(0.1)
        raise TimeoutError(f"worker not ready in {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self, timeout: float = 30) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children) — a crash, no cleanup."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._log.close()


def wait_for(
    predicate: Callable[[], Any], timeout: float = 60, interval: float = 0.1, what: str = "condition"
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
