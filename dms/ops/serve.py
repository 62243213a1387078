"""``aktenwerk serve``: API + UI (uvicorn) and worker + beat (a Celery child process) in one command."""
# ruff: noqa: PLC0415  -- heavy or cyclic imports are loaded lazily

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from dms.db import migrate
from dms.ops.setup import ensure_dirs
from dms.settings import Settings

log = logging.getLogger("aktenwerk.serve")


def worker_command(settings: Settings, *, beat: bool = True, concurrency: int | None = None,
                   loglevel: str = "INFO") -> list[str]:
    cmd = [sys.executable, "-m", "celery", "-A", "dms.worker.app", "worker",
           "--loglevel", loglevel, "--concurrency", str(concurrency or settings.worker_concurrency),
           "--without-gossip", "--without-mingle", "-n", f"aktenwerk-{os.getpid()}@%h"]
    if beat:
        cmd += ["-B", "--schedule", str(settings.data_path / "celerybeat-schedule")]
    return cmd


def child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["AKTENWERK_DATA_DIR"] = str(settings.data_path)
    return env


class WorkerSupervisor:
    """Keeps one Celery worker(+beat) child alive until stopped; stops it cleanly (TERM, then KILL)."""

    def __init__(self, settings: Settings, concurrency: int | None = None) -> None:
        self.settings = settings
        self.concurrency = concurrency
        self.proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-supervisor", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _spawn(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            worker_command(self.settings, concurrency=self.concurrency, loglevel=self.settings.log_level),
            env=child_env(self.settings), start_new_session=True,
        )
        log.info("worker started (pid %s)", self.proc.pid)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            if self.proc is not None and self.proc.poll() is not None:
                log.warning("worker exited with %s; restarting", self.proc.returncode)
                time.sleep(1.0)
                if not self._stop.is_set():
                    self._spawn()

    def stop(self, timeout: float = 20.0) -> None:
        self._stop.set()
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        try:
            os.kill(proc.pid, signal.SIGTERM)  # warm shutdown: the worker finishes running tasks, stops its pool
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.warning("worker did not stop in %ss; killing", timeout)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _server_class() -> type:
    import uvicorn

    class _Server(uvicorn.Server):
        """uvicorn re-raises the captured signal after shutdown, which would kill us before the worker is
        stopped; here the signal only asks the server to exit and ``serve`` cleans up afterwards."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            previous = {s: signal.signal(s, self.handle_exit) for s in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for s, h in previous.items():
                    signal.signal(s, h)

    return _Server


def serve(settings: Settings, host: str, port: int, *, worker: bool = True, concurrency: int | None = None,
          web_workers: int = 1) -> None:
    """Run until SIGTERM/SIGINT; then stop the worker child cleanly. ``web_workers`` > 1 runs several
    uvicorn processes on one socket (the app is rebuilt in each from the environment)."""
    import uvicorn

    from dms.web.app import create_app

    _Server = _server_class()
    ensure_dirs(settings)
    migrate.upgrade(settings.db_url)
    os.environ.update({k: v for k, v in child_env(settings).items() if k.startswith("AKTENWERK_")})
    supervisor = WorkerSupervisor(settings, concurrency) if worker else None
    if supervisor:
        supervisor.start()
    common: dict[str, Any] = {"host": host, "port": port, "log_level": settings.log_level.lower(), "proxy_headers": True,
              "access_log": False}
    try:
        if web_workers > 1:
            from uvicorn.supervisors import Multiprocess

            config = uvicorn.Config("dms.web.app:create_app", factory=True, workers=web_workers, **common)
            Multiprocess(config, sockets=[config.bind_socket()]).run()  # returns on SIGINT/SIGTERM
        else:
            _Server(uvicorn.Config(create_app(settings), **common)).run()  # returns on SIGINT/SIGTERM
    finally:
        if supervisor:
            supervisor.stop()
