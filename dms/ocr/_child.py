"""Runs ocrmypdf jobs in warm child processes, so a hung or crashing OCR can be killed cleanly.

``python -m dms.ocr._child`` is a small server: it imports ocrmypdf once, then reads one JSON job per
line from stdin and answers one JSON line per job. The parent keeps a few such children per process
(one per concurrent job) and reuses them, which saves ~0.45 s CPU of interpreter start and imports per
document. Each child runs in its own session: on timeout the parent kills the whole process group
(Tesseract and Ghostscript included) and drops that child; a child that dies is dropped too. A fresh
interpreter is used instead of fork so threaded parents (web server, worker) cannot deadlock it, and a
child is retired after :data:`MAX_JOBS_PER_CHILD` jobs to bound memory.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

MAX_JOBS_PER_CHILD = 100
MAX_IDLE_CHILDREN = 4


@dataclass(frozen=True)
class ChildOutcome:
    """What happened in the child: ``kind`` is exit, exception, timeout or crashed."""

    kind: str
    value: int | str
    message: str = ""


def _jsonable(kwargs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        if isinstance(value, Path):
            out[key] = str(value)
        elif isinstance(value, (list, tuple)):
            out[key] = [str(v) if isinstance(v, Path) else v for v in value]
        else:
            out[key] = value
    return out


def _kill_group(pid: int) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)


class _Child:
    """One warm OCR server process."""

    def __init__(self) -> None:
        env = dict(os.environ)
        # parallelism comes from pages and documents; multi-threaded Tesseract only burns CPU on top
        env.setdefault("OMP_THREAD_LIMIT", "1")
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        self.log: IO[bytes] = tempfile.TemporaryFile(prefix="aw-ocr-child-")  # noqa: SIM115 - lives with the child
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dms.ocr._child", "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            start_new_session=True,
            env=env,
        )
        self.jobs = 0

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _stderr_tail(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            self.log.seek(0)
            lines = self.log.read().decode("utf-8", "replace").strip().splitlines()
            return " | ".join(lines[-3:])
        return ""

    def run(self, kwargs: dict[str, Any], timeout: float, extras: dict[str, Any] | None = None) -> ChildOutcome:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.jobs += 1
        job = {"kwargs": _jsonable(kwargs), **_jsonable(extras or {})}
        try:
            self.proc.stdin.write((json.dumps(job) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self.close()
            return ChildOutcome("crashed", self.proc.returncode or -1, self._stderr_tail())
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            self.close()
            return ChildOutcome("timeout", round(timeout))
        line = self.proc.stdout.readline()
        if not line:
            self.close()
            return ChildOutcome("crashed", self.proc.returncode if self.proc.returncode is not None else -1,
                                self._stderr_tail())
        data = json.loads(line)
        return ChildOutcome(data["kind"], data["value"], data.get("message", ""))

    def close(self) -> None:
        if self.alive():
            _kill_group(self.proc.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        for stream in (self.proc.stdin, self.proc.stdout, self.log):
            with contextlib.suppress(OSError, ValueError):
                if stream is not None:
                    stream.close()


_LOCK = threading.Lock()
_IDLE: list[_Child] = []
_OWNER_PID = os.getpid()


def _take() -> _Child:
    global _OWNER_PID  # noqa: PLW0603 - children inherited over fork belong to the parent
    with _LOCK:
        if os.getpid() != _OWNER_PID:
            _IDLE.clear()  # never talk to the parent's children
            _OWNER_PID = os.getpid()
        while _IDLE:
            child = _IDLE.pop()
            if child.alive():
                return child
            child.close()
    return _Child()


def _give_back(child: _Child) -> None:
    if not child.alive() or child.jobs >= MAX_JOBS_PER_CHILD:
        child.close()
        return
    with _LOCK:
        if os.getpid() == _OWNER_PID and len(_IDLE) < MAX_IDLE_CHILDREN:
            _IDLE.append(child)
            return
    child.close()


def shutdown() -> None:
    """Stop the idle OCR children of this process (they also exit when the parent goes away)."""
    with _LOCK:
        children, _IDLE[:] = list(_IDLE), []
    for child in children:
        child.close()


def run_ocrmypdf(
    kwargs: dict[str, Any], timeout: float, *, raster_dir: Path | None = None, pdfa: str | None = None
) -> ChildOutcome:
    """Run ``ocrmypdf.ocr(**kwargs)`` in a warm child with a hard time limit.

    ``raster_dir``: page rasters the parent already wrote (see ``dms.ocr._plugin.RASTER_DIR``).
    ``pdfa``: a PDF/A flavour such as ``"2b"``; ocrmypdf then writes a plain PDF (``output_type``
    must be ``"pdf"``) and the child converts it with ``pikepdf.pdfa.save``, which validates the
    bytes it writes once, instead of ocrmypdf's speculative conversion that validates twice.
    """
    child = _take()
    outcome = child.run(kwargs, timeout, {"raster_dir": raster_dir, "pdfa": pdfa})
    if outcome.kind in ("timeout", "crashed"):
        child.close()
    else:
        _give_back(child)
    return outcome


class PdfaConversionFailedError(Exception):
    """The PDF/A conversion of ocrmypdf's output did not validate (same name as ocrmypdf's error)."""


def _save_pdfa(path: Path, flavour: str) -> None:
    """Convert ``path`` in place to PDF/A ``flavour`` with pikepdf (validated as written)."""
    import pikepdf  # noqa: PLC0415 - child only
    import pikepdf.pdfa  # noqa: PLC0415 - child only

    converted = path.with_name(f"{path.stem}.pdfa{path.suffix}")
    try:
        with pikepdf.open(path, conversion_mode="explicit") as pdf:
            pikepdf.pdfa.save(pdf, converted, flavour, output_intent="sRGB")
    except pikepdf.pdfa.PdfaError as exc:
        raise PdfaConversionFailedError(f"PDF/A-{flavour} not reached: {exc.report.summary()}") from exc
    os.replace(converted, path)


def serve() -> None:
    """Child side: answer one JSON line per job line until stdin closes."""
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything else printed to stdout must not corrupt the protocol
    logging.basicConfig(level=logging.ERROR)
    import ocrmypdf  # noqa: PLC0415 - only the child pays for importing ocrmypdf

    from dms.ocr import _plugin  # noqa: PLC0415 - the module ocrmypdf loads as plugin by this name

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            job = json.loads(line)
            _plugin.RASTER_DIR = Path(job["raster_dir"]) if job.get("raster_dir") else None
            try:
                code = ocrmypdf.ocr(**job["kwargs"])
            finally:
                _plugin.RASTER_DIR = None
            if int(code) == 0 and job.get("pdfa"):
                _save_pdfa(Path(job["kwargs"]["output_file"]), str(job["pdfa"]))
            outcome = {"kind": "exit", "value": int(code), "message": ""}
        except BaseException as exc:  # report everything; the parent maps it to a typed error
            outcome = {"kind": "exception", "value": type(exc).__name__, "message": str(exc)[:2000]}
        results.write(json.dumps(outcome) + "\n")
        results.flush()


if __name__ == "__main__":
    serve()
