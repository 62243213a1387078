"""Runs ocrmypdf jobs in warm child processes, so a hung or crashing OCR can be killed cleanly.

An OCR child is a small server: it has ocrmypdf imported, reads one JSON job per line from stdin and
answers one JSON line per job. The parent keeps a few such children per process (one per concurrent
job) and reuses them. Each child runs in its own session: on timeout the parent kills the whole
process group (Tesseract included) and drops that child; a child that dies is dropped too; a child is
retired after :data:`MAX_JOBS_PER_CHILD` jobs to bound memory.

Children are forked from a *zygote* (``python -m dms.ocr._child --zygote FD``): a fresh,
single-threaded interpreter that imports ocrmypdf and everything a job loads lazily (PDF/A validator,
fontTools, jsonschema: ~0.7 s CPU together) once, then forks a ready child per request in a few
milliseconds. Forking the zygote, not the parent, keeps threaded parents (web server, worker) from
deadlocking a child. The zygote reaps its children and reports exit statuses; when the parent goes
away or calls :func:`shutdown`, it waits for its children and exits, so their CPU time is counted
for the parent like that of any child. Should the zygote be unavailable, a child is started as its
own interpreter (``--serve``) as before.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
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


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # parallelism comes from pages and documents; multi-threaded Tesseract only burns CPU on top
    env.setdefault("OMP_THREAD_LIMIT", "1")
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Zygote:
    """Parent side of the zygote: ask it to fork a child wired to our pipes, or for an exit status."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.log: IO[bytes] = tempfile.TemporaryFile(prefix="aw-ocr-zygote-")  # noqa: SIM115 - lives with it
        try:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
                [sys.executable, "-m", "dms.ocr._child", "--zygote", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self.log,
                start_new_session=True,
                env=_child_env(),
            )
        finally:
            theirs.close()
        ours.settimeout(60)  # the first answer waits for the zygote's imports
        self.sock = ours
        self.lock = threading.Lock()

    def _ask(self, request: str, fds: tuple[int, ...] = ()) -> str:
        with self.lock:
            socket.send_fds(self.sock, [request.encode()], list(fds))
            answer = self.sock.recv(64)
        if not answer:
            raise OSError("the OCR zygote has gone")
        return answer.decode()

    def fork(self, stdin_fd: int, stdout_fd: int, stderr_fd: int) -> int:
        return int(self._ask("fork", (stdin_fd, stdout_fd, stderr_fd)))

    def exit_status(self, pid: int) -> int:
        """Exit status of a child that has ended (negative: killed by that signal; -1 unknown)."""
        try:
            return int(self._ask(f"status {pid}"))
        except (OSError, ValueError):
            return -1

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        try:
            self.proc.wait(30)  # it waits for its children first (their CPU time is then ours)
        except subprocess.TimeoutExpired:
            _kill_group(self.proc.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
        with contextlib.suppress(OSError, ValueError):
            self.log.close()


_ZYGOTE_LOCK = threading.Lock()
_ZYGOTE: _Zygote | None = None
_ZYGOTE_PID = os.getpid()


def _zygote() -> _Zygote | None:
    """This process's zygote, started on first use; None when it cannot run."""
    global _ZYGOTE, _ZYGOTE_PID  # noqa: PLW0603 - one zygote per process
    with _ZYGOTE_LOCK:
        if os.getpid() != _ZYGOTE_PID:
            _ZYGOTE, _ZYGOTE_PID = None, os.getpid()  # inherited over fork: the parent's, not ours
        if _ZYGOTE is not None and not _ZYGOTE.alive():
            _ZYGOTE.close()
            _ZYGOTE = None
        if _ZYGOTE is None:
            try:
                _ZYGOTE = _Zygote()
            except OSError:
                logging.getLogger(__name__).warning("OCR zygote could not start", exc_info=True)
                return None
        return _ZYGOTE


class _Child:
    """One warm OCR server process (forked by the zygote, or its own interpreter as a fallback)."""

    def __init__(self) -> None:
        self.log: IO[bytes] = tempfile.TemporaryFile(prefix="aw-ocr-child-")  # noqa: SIM115 - lives with the child
        self.jobs = 0
        self.returncode: int | None = None
        self.zygote = _zygote()
        self.popen: subprocess.Popen[bytes] | None = None
        if self.zygote is not None:
            in_r, in_w = os.pipe()
            out_r, out_w = os.pipe()
            try:
                self.pid = self.zygote.fork(in_r, out_w, self.log.fileno())
            except (OSError, ValueError):
                for fd in (in_w, out_r):
                    os.close(fd)
                self.zygote = None
            else:
                self.stdin: IO[bytes] = os.fdopen(in_w, "wb")
                self.stdout: IO[bytes] = os.fdopen(out_r, "rb")
            finally:
                os.close(in_r)
                os.close(out_w)
        if self.zygote is None:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "dms.ocr._child", "--serve"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.log,
                start_new_session=True,
                env=_child_env(),
            )
            assert self.popen.stdin is not None and self.popen.stdout is not None
            self.pid, self.stdin, self.stdout = self.popen.pid, self.popen.stdin, self.popen.stdout

    def alive(self) -> bool:
        if self.popen is not None:
            return self.popen.poll() is None
        return self.returncode is None and _pid_alive(self.pid)

    def _stderr_tail(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            self.log.seek(0)
            lines = self.log.read().decode("utf-8", "replace").strip().splitlines()
            return " | ".join(lines[-3:])
        return ""

    def _exit_status(self) -> int:
        """After the child ended: its exit status (-1 when unknown)."""
        self.close()
        if self.popen is not None:
            return self.popen.returncode if self.popen.returncode is not None else -1
        if self.returncode is None:
            self.returncode = self.zygote.exit_status(self.pid) if self.zygote is not None else -1
        return self.returncode

    def run(self, kwargs: dict[str, Any], timeout: float, extras: dict[str, Any] | None = None) -> ChildOutcome:
        self.jobs += 1
        job = {"kwargs": _jsonable(kwargs), **_jsonable(extras or {})}
        try:
            self.stdin.write((json.dumps(job) + "\n").encode())
            self.stdin.flush()
        except (BrokenPipeError, OSError):
            return ChildOutcome("crashed", self._exit_status(), self._stderr_tail())
        ready, _, _ = select.select([self.stdout], [], [], timeout)
        if not ready:
            self.close()
            return ChildOutcome("timeout", round(timeout))
        line = self.stdout.readline()
        if not line:
            return ChildOutcome("crashed", self._exit_status(), self._stderr_tail())
        data = json.loads(line)
        return ChildOutcome(data["kind"], data["value"], data.get("message", ""))

    def close(self) -> None:
        if self.alive():
            _kill_group(self.pid)
        if self.popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(5)
        else:
            deadline = time.monotonic() + 5
            while _pid_alive(self.pid) and time.monotonic() < deadline:
                time.sleep(0.005)  # the zygote reaps it
        for stream in (self.stdin, self.stdout, self.log):
            with contextlib.suppress(OSError, ValueError):
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
    """Stop the idle OCR children and the zygote of this process (they also exit when it goes away)."""
    global _ZYGOTE
    with _LOCK:
        children, _IDLE[:] = list(_IDLE), []
    for child in children:
        child.close()
    with _ZYGOTE_LOCK:
        zygote, _ZYGOTE = (_ZYGOTE, None) if os.getpid() == _ZYGOTE_PID else (None, None)
    if zygote is not None:
        zygote.close()


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


def _cache_tool_versions() -> None:
    """Ask each tool for its version and Tesseract for its languages once per process, not per job.

    ocrmypdf runs ``tesseract --version`` four times and ``tesseract --list-langs`` once for every
    document (five process starts, ~50 ms CPU). A warm OCR process keeps the first answers; only
    successful ones, so a tool installed later is still found. Best effort: should ocrmypdf's
    internals move, jobs simply probe as before.
    """
    try:
        from ocrmypdf._exec import _probe, tesseract  # noqa: PLC0415 - OCR processes only
    except ImportError:
        return
    probe = getattr(_probe, "get_version", None)
    languages = getattr(tesseract, "get_languages", None)
    if probe is None or languages is None or getattr(probe, "_aktenwerk_cached", False):
        return
    versions: dict[tuple[str, str, str], str] = {}

    def get_version(program: str, *, version_arg: str = "--version", regex: str = r"(\d+(\.\d+)*)",
                    env: Any = None) -> str:
        if env:
            return str(probe(program, version_arg=version_arg, regex=regex, env=env))
        key = (program, version_arg, regex)
        if key not in versions:
            versions[key] = probe(program, version_arg=version_arg, regex=regex)
        return versions[key]

    known: list[set[str]] = []

    def get_languages() -> set[str]:
        if not known:
            known.append(set(languages()))
        return set(known[0])

    get_version._aktenwerk_cached = True  # type: ignore[attr-defined]
    setattr(_probe, "get_version", get_version)  # noqa: B010 - private module, not typed as writable
    setattr(tesseract, "get_languages", get_languages)  # noqa: B010


def _preload() -> None:
    """Import what an OCR job needs, including what ocrmypdf and pikepdf load lazily on first use."""
    import ocrmypdf  # noqa: F401, PLC0415 - only OCR processes pay for importing ocrmypdf
    import pikepdf  # noqa: PLC0415
    import pikepdf.pdfa  # noqa: PLC0415

    from dms.ocr import _plugin  # noqa: F401, PLC0415 - the module ocrmypdf loads as plugin by this name

    for name in ("ocrmypdf.optimize", "ocrmypdf._validation_coordinator", "PIL.PngImagePlugin",
                 "PIL.TiffImagePlugin", "PIL.JpegImagePlugin", "PIL.PpmImagePlugin", "PIL.BmpImagePlugin"):
        with contextlib.suppress(ImportError):
            __import__(name)
    _cache_tool_versions()
    # one tiny PDF/A save loads the validator's schemas, fonts and XMP machinery
    with contextlib.suppress(Exception), pikepdf.new() as pdf:
        pdf.add_blank_page()
        pikepdf.pdfa.save(pdf, tempfile.TemporaryFile(), "2b")  # noqa: SIM115 - discarded


def serve() -> None:
    """Child side: answer one JSON line per job line until stdin closes."""
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything else printed to stdout must not corrupt the protocol
    logging.basicConfig(level=logging.ERROR)
    import ocrmypdf  # noqa: PLC0415 - only the child pays for importing ocrmypdf

    from dms.ocr import _plugin  # noqa: PLC0415 - the module ocrmypdf loads as plugin by this name

    _cache_tool_versions()
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


_MAX_STATUSES = 256


def _start_child(fds: list[int], control: socket.socket) -> None:
    """In the forked child: own session, the parent's pipes as stdin/stdout, the log as stderr."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # subprocess must reap its own Tesseracts
        control.close()
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - the process's stdin
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
        serve()
    finally:
        os._exit(0)


def zygote(control_fd: int) -> None:
    """Zygote side: preload, then fork a child per request until the parent closes the socket."""
    control = socket.socket(fileno=control_fd)
    logging.basicConfig(level=logging.ERROR)
    _preload()
    statuses: dict[int, int] = {}
    live: set[int] = set()

    def reap(*_: object) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            live.discard(pid)
            statuses[pid] = os.waitstatus_to_exitcode(status)
            while len(statuses) > _MAX_STATUSES:
                statuses.pop(next(iter(statuses)))

    signal.signal(signal.SIGCHLD, reap)
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(control, 256, 3)
        except OSError:
            break
        if not message:
            break
        command = message.decode().split()
        if command[0] == "fork" and len(fds) == 3:
            pid = os.fork()
            if pid == 0:
                _start_child(fds, control)
            for fd in fds:
                os.close(fd)
            live.add(pid)
            control.send(str(pid).encode())
        elif command[0] == "status" and len(command) == 2:
            wanted = int(command[1])
            deadline = time.monotonic() + 10
            while wanted not in statuses and wanted in live and time.monotonic() < deadline:
                reap()
                time.sleep(0.005)
            control.send(str(statuses.pop(wanted, -1)).encode())
        else:
            for fd in fds:
                os.close(fd)
            control.send(b"?")
    # the parent has gone or shut us down: children exit when their stdin closes; wait for them
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for pid in list(live):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--zygote":
        zygote(int(sys.argv[2]))
    else:
        serve()
