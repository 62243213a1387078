"""Benchmark: retention plan over N synthetic records (default 1,000,000).

    .venv/bin/python bench/retention.py [--records 1000000] [--as-of 2035-01-01]

Records get a document date in 2000–2026, one to three classes (explicit / node / type), some without
date or class, a few Akten under hold. Generation is streamed and not timed separately from planning
(the figure is end-to-end: facts in, plan out).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

# this script is named like the package: run it with the repository root first on sys.path
_ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(_ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _ROOT / "bench"]

from retention import Hold, HoldIndex, HoldScope, RecordFacts, RetentionCalculator, plan  # noqa: E402

CLASSES = ("ao147-belege", "ao147-buecher", "ao147-briefe", "ustg14b-rechnungen")


def records(n: int, seed: int = 7) -> Iterator[RecordFacts]:
    rng = random.Random(seed)
    dates = [date(2000 + y, m, 15) for y in range(27) for m in range(1, 13)]
    for i in range(n):
        r = rng.random()
        yield RecordFacts(
            record_id=f"doc-{i}",
            document_date=None if r < 0.01 else dates[i % len(dates)],
            explicit_classes=(CLASSES[i % 4],) if r > 0.02 else (),
            type_classes=(CLASSES[(i // 4) % 4],) if r > 0.5 else (),
            node_classes=("komhvo59-belege",) if r > 0.97 else (),
            akte_id=f"akte-{i // 50}",
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--as-of", type=date.fromisoformat, default=date(2035, 1, 1))
    args = ap.parse_args()
    holds = HoldIndex(Hold(f"h{k}", HoldScope.AKTE, f"akte-{k * 97}", "Rechtsstreit") for k in range(200))
    calc = RetentionCalculator()
    started = time.perf_counter()
    p = plan(records(args.records), calc, holds, args.as_of)
    elapsed = time.perf_counter() - started
    reasons_started = time.perf_counter()
    sample = [i.reason() for i in p.items[:10_000]]
    reasons = time.perf_counter() - reasons_started
    print(f"records={p.total:,} due={len(p.items):,} blocked={len(p.blocked):,} counts={dict(p.counts)}")
    print(f"plan: {elapsed:.2f} s ({p.total / elapsed:,.0f} records/s); 10k reasons rendered in {reasons:.2f} s")
    print(f"example: {sample[0] if sample else '-'}")


if __name__ == "__main__":
    main()
