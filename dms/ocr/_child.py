"""Runs one ocrmypdf job in a child process, so a hung or crashing OCR can be killed cleanly.

``python -m dms.ocr._child`` reads a JSON job from stdin, calls ``ocrmypdf.ocr`` and writes a JSON
outcome to the result file named in the job. The child runs in its own session; on timeout the parent
kills the whole process group, including Tesseract and Ghostscript. A fresh interpreter (≈0.3 s) is
used instead of fork so threaded parents (web server, worker) cannot deadlock the child.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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


def run_ocrmypdf(kwargs: dict[str, Any], timeout: float) -> ChildOutcome:
    """Run ``ocrmypdf.ocr(**kwargs)`` in a child interpreter with a hard time limit."""
    fd, result_name = tempfile.mkstemp(prefix="aw-ocr-result-", suffix=".json")
    os.close(fd)
    result = Path(result_name)
    job = json.dumps({"kwargs": _jsonable(kwargs), "result": str(result)})
    env = dict(os.environ)
    # parallelism comes from pages and documents; multi-threaded Tesseract only burns CPU on top
    env.setdefault("OMP_THREAD_LIMIT", "1")
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dms.ocr._child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=env,
    )
    try:
        try:
            _, stderr = proc.communicate(job.encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            proc.communicate()
            return ChildOutcome("timeout", round(timeout))
        try:
            data = json.loads(result.read_text() or "null")
        except (OSError, ValueError):
            data = None
        if not data:
            tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            return ChildOutcome("crashed", proc.returncode, " | ".join(tail))
        return ChildOutcome(data["kind"], data["value"], data.get("message", ""))
    finally:
        if proc.poll() is None:
            _kill_group(proc.pid)
            proc.wait(5)
        result.unlink(missing_ok=True)


def main() -> None:
    """Child side: run the job from stdin, write the outcome file."""
    job = json.loads(sys.stdin.read())
    result = Path(job["result"])
    logging.basicConfig(level=logging.ERROR)
    try:
        import ocrmypdf  # noqa: PLC0415 - only the child pays for importing ocrmypdf

        code = ocrmypdf.ocr(**job["kwargs"])
        outcome = {"kind": "exit", "value": int(code), "message": ""}
    except BaseException as exc:  # report everything; the parent maps it to a typed error
        outcome = {"kind": "exception", "value": type(exc).__name__, "message": str(exc)[:2000]}
    result.write_text(json.dumps(outcome))


if __name__ == "__main__":
    main()
