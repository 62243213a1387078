"""Load: N concurrent clients mixing search, document reads and uploads against a live API + worker.

    .venv/bin/python bench/load.py --mode embedded --clients 20 --seconds 300
    .venv/bin/python bench/load.py --mode postgres --clients 20 --seconds 300   # PostgreSQL + Redis, 2 workers

Mix per request: 45 % search, 20 % document metadata, 15 % original download, 10 % document list,
10 % upload (1-page PDF). Seeds 200 documents first. Prints one JSON line: requests, error rate, 5xx,
p50/p95/p99 per operation and overall, the 1-minute load average during the run (min/mean/max) and the
CPU seconds (user + sys) of the API and worker processes. Figures go to docs/reliability.md.
The generator is ``tests/reliability/loadgen.py`` (CI runs it briefly: ``tests/reliability/test_load.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repo, not bench/ (bench/search.py shadows `search`)

from tests.reliability.benchenv import drop_db, make_env  # noqa: E402
from tests.reliability.loadgen import run_load  # noqa: E402


def run(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="akw-load-") as tmp:
        base = Path(tmp)
        settings, container, token, db = make_env(base, args.mode)
        try:
            result = run_load(settings, token, base, workers=2 if args.mode == "postgres" else 1,
                              clients=args.clients, seconds=args.seconds, seed_docs=args.seed_docs,
                              api_processes=args.api_processes, seed=args.seed)
        finally:
            container.close()
            drop_db(db)
    return {"mode": args.mode, **result}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=["embedded", "postgres"], default="embedded")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--seconds", type=int, default=300)
    p.add_argument("--seed-docs", type=int, default=200)
    p.add_argument("--api-processes", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    print(json.dumps(run(p.parse_args())))


if __name__ == "__main__":
    main()
