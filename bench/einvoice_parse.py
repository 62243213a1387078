"""Parse benchmark for ``einvoice.reading.parse`` over the e-invoice corpus (one process, one core).

Usage: ``.venv/bin/python bench/einvoice_parse.py [--rounds N]``

Reports per folder the median and p95 wall time of ``parse(data)`` per file (XML: hardened parse,
syntax/profile detection, model mapping with locations; PDF: plus extraction of the embedded XML),
and the throughput over all XML files. Files are read into memory first; the first round warms up.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

# bench/einvoice.py (the validation benchmark) shadows the package: put the repository root first
_ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(_ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _ROOT / "bench"]

from einvoice.reading import parse  # noqa: E402
from tests.paths import CORPUS_DIR  # noqa: E402

FOLDERS = ("xrechnung-ubl", "xrechnung-cii", "en16931-ubl", "en16931-cii", "zugferd-pdf")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    all_xml: list[bytes] = []
    print(f"{'folder':16} {'files':>5} {'median ms':>10} {'p95 ms':>8}")
    for folder in FOLDERS:
        blobs = [p.read_bytes() for p in sorted((CORPUS_DIR / folder).rglob("*")) if p.is_file()]
        if not folder.endswith("pdf"):
            all_xml.extend(blobs)
        for data in blobs:  # warm-up
            parse(data)
        rounds = args.rounds if not folder.endswith("pdf") else max(3, args.rounds // 5)
        times: list[float] = []
        for _ in range(rounds):
            for data in blobs:
                t0 = time.perf_counter()
                parse(data)
                times.append(time.perf_counter() - t0)
        times.sort()
        p95 = times[int(len(times) * 0.95)]
        print(f"{folder:16} {len(blobs):5d} {statistics.median(times) * 1e3:10.3f} {p95 * 1e3:8.3f}")
    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    for _ in range(args.rounds):
        for data in all_xml:
            parse(data)
            n += 1
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"all XML: {n} parses in {elapsed:.2f} s = {n / elapsed:.0f} invoices/s, "
          f"mean {elapsed / n * 1e3:.3f} ms wall, {cpu / n * 1e3:.3f} ms CPU ({n / cpu:.0f} invoices per CPU-second)")


if __name__ == "__main__":
    main()
