"""Benchmark: fixity check throughput vs the disk's sequential read speed.

    .venv/bin/python bench/fixity.py [--files 256] [--size-mb 4] [--dir /var/tmp]

Writes ``files`` blobs of ``size-mb`` each, fsyncs them and drops them from the page cache
(``posix_fadvise(DONTNEED)``) so the check really reads from disk; then runs
``retention.fixity.check`` and compares with ``dd iflag=direct bs=1M`` reading one file of the same total size.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

_ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(_ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _ROOT / "bench"]

from retention.fixity import FixityTarget, check  # noqa: E402


class DirReader:
    def __init__(self, root: Path) -> None:
        self.root = root

    def open_blob(self, key: str) -> BinaryIO:
        return (self.root / key).open("rb", buffering=0)


def _drop_cache(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=256)
    ap.add_argument("--size-mb", type=int, default=4)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="fixity-bench-", dir=args.dir))
    try:
        size = args.size_mb << 20
        targets = []
        chunk = os.urandom(1 << 20)
        for i in range(args.files):
            data = (chunk * args.size_mb)[: size - 8] + i.to_bytes(8, "big")
            path = root / f"blob-{i:05d}"
            path.write_bytes(data)
            targets.append(FixityTarget(path.name, hashlib.sha256(data).hexdigest(), f"doc-{i}"))
        big = root / "sequential.bin"
        with big.open("wb") as fh:
            for _ in range(args.files * args.size_mb):
                fh.write(chunk)
        for p in root.iterdir():
            _drop_cache(p)
        report = check(targets, DirReader(root), workers=args.workers)
        assert report.healthy, report.to_dict()
        dd = subprocess.run(
            ["dd", f"if={big}", "of=/dev/null", "bs=1M", "iflag=direct"],
            capture_output=True,
            text=True,
            check=True,
        )
        line = dd.stderr.strip().splitlines()[-1]
        m = re.search(r"copied, ([\d.,]+) s", line)
        dd_seconds = float(m.group(1).replace(",", ".")) if m else float("nan")
        dd_mb_s = big.stat().st_size / 1e6 / dd_seconds
        hash_only = hashlib.sha256()
        t = time.perf_counter()
        for _ in range(256):
            hash_only.update(chunk)
        sha_mb_s = 256 * len(chunk) / 1e6 / (time.perf_counter() - t)
        print(
            f"fixity ({args.workers} workers): {report.checked} blobs, {report.bytes_read / 1e6:,.0f} MB in {report.seconds:.2f} s "
            f"= {report.throughput_mb_s:,.0f} MB/s"
        )
        print(f"dd iflag=direct bs=1M: {dd_mb_s:,.0f} MB/s ({line})")
        print(f"sha256 in memory (one core): {sha_mb_s:,.0f} MB/s")
        print(f"fixity / dd = {report.throughput_mb_s / dd_mb_s:.0%}; load average {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
