"""Fixity check: re-hash stored content and compare with the SHA-256 recorded at ingest.

Pure policy over a small port (:class:`BlobReader`); the shell supplies the store. Reading uses large
sequential chunks so throughput stays close to the disk's sequential read speed.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

CHUNK = 1 << 20  # 1 MiB


@dataclass(frozen=True, slots=True)
class FixityTarget:
    key: str  #: blob key / content address in the store
    sha256: str  #: expected hex digest recorded at ingest
    record_id: str | None = None


class BlobReader(Protocol):
    def open_blob(self, key: str) -> BinaryIO:
        """Open the blob for reading; raise ``FileNotFoundError`` (or ``KeyError``) if it is missing."""
        ...


@dataclass(slots=True)
class FixityReport:
    checked: int = 0
    ok: int = 0
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    bytes_read: int = 0
    seconds: float = 0.0
    sampled: bool = False

    @property
    def healthy(self) -> bool:
        return not (self.mismatches or self.missing or self.errors)

    @property
    def throughput_mb_s(self) -> float:
        return self.bytes_read / 1e6 / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "checked": self.checked,
            "ok": self.ok,
            "mismatches": self.mismatches,
            "missing": self.missing,
            "errors": self.errors,
            "bytes_read": self.bytes_read,
            "seconds": round(self.seconds, 3),
            "throughput_mb_s": round(self.throughput_mb_s, 1),
            "sampled": self.sampled,
        }


def hash_stream(stream: BinaryIO, chunk: int = CHUNK) -> tuple[str, int]:
    """SHA-256 hex digest and byte count of a stream, read in large chunks."""
    digest = hashlib.sha256()
    size = 0
    buf = bytearray(chunk)
    view = memoryview(buf)
    readinto = getattr(stream, "readinto", None)
    if readinto is not None:
        while n := readinto(view):
            digest.update(view[:n])
            size += n
    else:
        while data := stream.read(chunk):
            digest.update(data)
            size += len(data)
    return digest.hexdigest(), size


def choose(
    targets: Iterable[FixityTarget], sample: int | None, seed: int | None = None
) -> Sequence[FixityTarget]:
    """All targets, or a uniform random sample of ``sample`` of them (reservoir sampling, one pass)."""
    if sample is None:
        return list(targets)
    if sample <= 0:
        return []
    rng = random.Random(seed)  # noqa: S311 - sampling, not cryptography
    reservoir: list[FixityTarget] = []
    for n, target in enumerate(targets):
        if n < sample:
            reservoir.append(target)
        else:
            j = rng.randint(0, n)
            if j < sample:
                reservoir[j] = target
    return reservoir


def _check_one(target: FixityTarget, reader: BlobReader) -> tuple[str, dict[str, Any], int]:
    entry: dict[str, Any] = {"key": target.key, "record_id": target.record_id, "expected": target.sha256}
    try:
        with reader.open_blob(target.key) as stream:
            actual, size = hash_stream(stream)
    except (FileNotFoundError, KeyError):
        return "missing", entry, 0
    except OSError as exc:
        return "error", {**entry, "error": f"{type(exc).__name__}: {exc}"}, 0
    if actual != target.sha256.lower():
        return "mismatch", {**entry, "actual": actual}, size
    return "ok", entry, size


def check(
    targets: Iterable[FixityTarget],
    reader: BlobReader,
    sample: int | None = None,
    seed: int | None = None,
    workers: int = 1,
) -> FixityReport:
    """Re-hash the (sampled) targets; report mismatching, missing and unreadable blobs.

    ``workers > 1`` hashes in threads (hashlib releases the GIL), overlapping reads and hashing so the check
    is limited by the disk rather than one core.
    """
    report = FixityReport(sampled=sample is not None)
    started = time.perf_counter()
    chosen = choose(targets, sample, seed)
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(lambda t: _check_one(t, reader), chosen))
    else:
        outcomes = [_check_one(t, reader) for t in chosen]
    buckets = {"mismatch": report.mismatches, "missing": report.missing, "error": report.errors}
    for kind, entry, size in outcomes:
        report.checked += 1
        report.bytes_read += size
        if kind == "ok":
            report.ok += 1
        else:
            buckets[kind].append(entry)
    report.seconds = time.perf_counter() - started
    return report
