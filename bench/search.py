"""Search benchmark on a deterministic synthetic German municipal corpus (Tantivy engine).

Phases (each prints one JSON line; ``--json FILE`` also writes them all):
  build   full reindex of N documents through ``TantivyBackend.rebuild()`` (a new generation, switched
          atomically at the end, exactly what ``aktenwerk reindex`` does)
  steady  outbox-style indexing: batches of upserts (half updates, half new documents), commit per batch,
          after a warm-up batch (a long-lived indexer). As in the product, each document carries the
          analysis of its content that the ingest worker stored with the extracted text
          (``DocumentText.analysis``); computing it is timed separately (``ingest_analysis_*``, outside
          the drain). ``--analyse-in-drain`` drops it (the path after an analyzer upgrade, before the
          stored analyses are refreshed); ``--workers N`` then analyses in N worker processes
  serve   a *separate* process opens the index read-only and runs a clerk query mix through the service
          layer (parse + permission filter + top 20 + highlights + facets); latency percentiles and the
          serving process' peak RSS; CPU is the process' (facets run on a second thread) and
          ``idle_bound_*`` = max(calling thread CPU, all CPU / 2), a lower bound for two idle cores
  summary the issue's figures next to their targets

Usage:
  .venv/bin/python bench/search.py --docs 1000000 --path /tmp/aktenwerk-bench
  .venv/bin/python bench/search.py --path /tmp/aktenwerk-bench --skip-build --skip-steady   # queries only
  .venv/bin/python bench/search.py --path /tmp/aktenwerk-bench --docs 1000000 --skip-build --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search.backends import tantivy_backend
from search.backends.tantivy_backend import TantivyBackend
from search.model import SearchRequest
from search.synthetic import DEPARTMENTS, generate

QUERY_TEMPLATES = [
    # selective: names, addresses, identifiers, rare compounds
    "Kowalski",
    "Öztürk Bahnhofstraße",
    '"Lindenallee 17"',
    "akte:63.02.05-2024/0012",
    "asn:ASN-00012345",
    "Wasserzins",
    "Brückenprüfung Zustandsnote",
    # topical
    "Hundesteuer",
    "Wohngeld Mietvertrag",
    "Kanalsanierung",
    "Bauantrag Lageplan",
    "Elternbeitrag",
    "Gewerbeanmeldung",
    "Vollstreckung",
    # broad
    "Rechnung",
    "Bescheid",
    "Widerspruch Frist",
    # field filters, dates, operators
    "typ:Rechnung Stromlieferung",
    "typ:Bescheid datum:2024",
    "datum:2023-01-01..2023-06-30 Antrag",
    "von:Müller",
    'von:"Stadtwerke Musterstadt"',
    "akte:63.01*",
    "tag:dringend Frist",
    "Wohngeld -typ:Antrag",
    '"sachlich und rechnerisch geprüft"',
    "Kanal*",
    "Gewerbesteuer OR Grundsteuer",
    "Hundesteuerbeschied",  # typo: zero hits -> "Meinten Sie" path
    "",  # browse everything visible (all facets over the whole visible set)
]


def rss_mb() -> dict[str, float]:
    out: dict[str, float] = {"ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("VmRSS", "VmHWM")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


def cpu_s() -> float:
    """User + system CPU seconds of this process (all threads, incl. Tantivy's writer threads)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def worker_cpu_s(backend: TantivyBackend) -> float:
    """User + system CPU seconds of the backend's analysis worker processes (0 without workers)."""
    pool = backend._workers_pool
    if pool is None:
        return 0.0
    total = 0.0
    for proc in pool._pool:
        with suppress(OSError):
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def emit(results: list[dict], record: dict) -> None:
    results.append(record)
    print(json.dumps(record, ensure_ascii=False), flush=True)


def build(path: Path, n: int, batch: int, threads: int, heap: int, workers: int) -> dict:
    backend = TantivyBackend(path, heap_size=heap, num_threads=threads, workers=workers)
    gen_time = 0.0
    gen_cpu = 0.0
    index_time = 0.0
    t0 = time.perf_counter()
    c0 = cpu_s()
    done = 0
    with backend.rebuild() as target:
        for start in range(0, n, batch):
            t = time.perf_counter()
            c = cpu_s()
            docs = list(generate(min(batch, n - start), seed=1, start=start))
            gen_time += time.perf_counter() - t
            gen_cpu += cpu_s() - c
            t = time.perf_counter()
            target.index(docs)
            index_time += time.perf_counter() - t
            done += len(docs)
            if done % (batch * 10) == 0:
                print(
                    f"# build {done}/{n} {done / (time.perf_counter() - t0):.0f} docs/s",
                    file=sys.stderr,
                    flush=True,
                )
        t = time.perf_counter()
    commit_time = time.perf_counter() - t  # commit + merge wait + switch happen on leaving the block
    wall = time.perf_counter() - t0
    wcpu = worker_cpu_s(backend)
    cpu = cpu_s() - c0 - gen_cpu + wcpu
    backend.close()
    return {
        "phase": "build",
        "docs": n,
        "workers": workers,
        "wall_s": round(wall, 1),
        "wall_excl_generation_min": round((wall - gen_time) / 60, 2),
        "generate_s": round(gen_time, 1),
        "index_s": round(index_time, 1),
        "commit_merge_s": round(commit_time, 1),
        "docs_per_s_excl_generation": round(n / (wall - gen_time)),
        "index_cpu_s": round(cpu, 1),
        "worker_cpu_s": round(wcpu, 1),
        "docs_per_cpu_s": round(n / cpu),
        "idle_2core_estimate_min": round(cpu / 2 / 60, 2),
        "load_avg_end": os.getloadavg(),
        "index_mb": round(dir_size_mb(path), 1),
        **rss_mb(),
    }


def steady(
    path: Path,
    n_existing: int,
    total: int,
    batch: int,
    threads: int,
    heap: int,
    workers: int,
    analyse_in_drain: bool = False,
) -> dict:
    backend = TantivyBackend(path, heap_size=heap, num_threads=threads, workers=workers)
    # a long-lived indexer: warm the analyzer caches (and start any worker processes) before measuring
    backend.index(list(generate(max(batch, 2_000), seed=9, start=0)))
    backend.commit()
    rng = random.Random(5)
    done = 0
    busy = 0.0
    busy_cpu = 0.0
    wcpu0 = worker_cpu_s(backend)
    main_cpu = 0.0
    analysis_cpu = 0.0
    next_new = n_existing
    while done < total:
        size = min(batch, total - done)
        updates = list(generate(size // 2, seed=9, start=rng.randrange(max(1, n_existing - size))))
        new = list(generate(size - len(updates), seed=1, start=next_new))
        next_new += len(new)
        docs = updates + new
        if not analyse_in_drain:  # what the ingest worker stored with each text (outside the drain)
            a = time.thread_time()
            for d in docs:
                d.content_analysis = backend.analyzer.encode_content(d.content)
            analysis_cpu += time.thread_time() - a
        t = time.perf_counter()
        c = cpu_s()
        m = time.thread_time()
        backend.index(docs)
        backend.commit()
        main_cpu += time.thread_time() - m
        busy += time.perf_counter() - t
        busy_cpu += cpu_s() - c
        done += len(docs)
    count = backend.count()
    wcpu = worker_cpu_s(backend) - wcpu0
    busy_cpu += wcpu
    backend.close()
    return {
        "phase": "steady",
        "docs": total,
        "batch": batch,
        "workers": workers,
        "content_analysis": "in the drain" if analyse_in_drain else "stored at ingest",
        "ingest_analysis_ms_per_doc": None if analyse_in_drain else round(analysis_cpu / total * 1e3, 4),
        "worker_cpu_s": round(wcpu, 2),
        "index_commit_s": round(busy, 2),
        "docs_per_s": round(total / busy),
        "cpu_s": round(busy_cpu, 2),
        "docs_per_cpu_s": round(total / busy_cpu),
        "main_thread_cpu_s": round(main_cpu, 2),
        "main_thread_cpu_ms_per_doc": round(main_cpu / total * 1e3, 4),
        # no wall time on 2 idle cores can beat max(all CPU / 2, the feeding thread's CPU)
        "idle_2core_bound_docs_per_s": round(total / max(busy_cpu / 2, main_cpu)),
        "load_avg_end": os.getloadavg(),
        "index_count_after": count,
    }


def queries(n: int) -> list[tuple[str, frozenset[str]]]:
    rng = random.Random(11)
    depts = list(DEPARTMENTS)
    out = []
    for i in range(n):
        q = QUERY_TEMPLATES[i % len(QUERY_TEMPLATES)]
        if rng.random() < 0.2:
            tokens = frozenset({"*"})
        else:
            tokens = frozenset({f"dept:{rng.choice(depts)}", f"user:{rng.randrange(1, 200)}"})
        out.append((q, tokens))
    return out


def serve(path: Path, n: int, result_cache: bool = True) -> dict:
    if not result_cache:
        tantivy_backend.RESULT_CACHE_SIZE = 0
    backend = TantivyBackend(path)
    mix = queries(n)
    for q, tokens in mix[:40]:  # warm-up: page cache and analyzer caches
        backend.search(SearchRequest(query=q, principal_tokens=tokens))
    lat: list[float] = []
    cpu_lat: list[float] = []
    idle_lat: list[float] = []
    per_query: dict[str, list[float]] = {}
    totals: dict[str, int] = {}
    for q, tokens in mix:
        t = time.perf_counter()
        c = time.process_time()  # all threads: facets are counted on a second thread
        m = time.thread_time()
        res = backend.search(SearchRequest(query=q, principal_tokens=tokens, page_size=20))
        ms = (time.perf_counter() - t) * 1000
        main_ms = (time.thread_time() - m) * 1000
        all_ms = (time.process_time() - c) * 1000
        cpu_lat.append(all_ms)
        # on two idle cores a query takes at least its calling thread's CPU and half its total CPU
        idle_lat.append(max(main_ms, all_ms / 2))
        lat.append(ms)
        per_query.setdefault(q, []).append(ms)
        totals[q] = max(totals.get(q, 0), res.total)
    lat.sort()

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))], 2)

    cpu_lat.sort()
    idle_lat.sort()
    slowest = sorted(((statistics.median(v), k) for k, v in per_query.items()), reverse=True)[:5]
    return {
        "phase": "serve",
        "result_cache": result_cache,
        "index_docs": backend.count(),
        "queries": len(lat),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(lat[-1], 2),
        "mean_ms": round(statistics.fmean(lat), 2),
        "cpu_p50_ms": round(cpu_lat[len(cpu_lat) // 2], 2),
        "cpu_p95_ms": round(cpu_lat[int(0.95 * len(cpu_lat))], 2),
        "idle_bound_p50_ms": round(idle_lat[len(idle_lat) // 2], 2),
        "idle_bound_p95_ms": round(idle_lat[int(0.95 * len(idle_lat))], 2),
        "load_avg_end": os.getloadavg(),
        "slowest_median_ms": {k or "<empty>": round(v, 2) for v, k in slowest},
        "max_total_hits": max(totals.values()),
        **rss_mb(),
    }


def summary(results: list[dict]) -> dict:
    """The issue's figures side by side with their targets (wall figures depend on the machine's load)."""
    by = {r["phase"]: r for r in results}
    out: dict = {"phase": "summary"}
    if "build" in by:
        b = by["build"]
        out["full_reindex_wall_min"] = round(b["wall_s"] / 60, 2)
        out["full_reindex_wall_excl_generation_min"] = b["wall_excl_generation_min"]
        out["full_reindex_cpu_min_over_2_cores"] = b["idle_2core_estimate_min"]
        out["full_reindex_target_min"] = 10
    if "steady" in by:
        st = by["steady"]
        out["steady_docs_per_s_wall"] = st["docs_per_s"]
        out["steady_docs_per_cpu_s"] = st["docs_per_cpu_s"]
        out["steady_idle_2core_bound_docs_per_s"] = st["idle_2core_bound_docs_per_s"]
        out["steady_target_docs_per_s"] = 5_000
        out["steady_content_analysis"] = st["content_analysis"]
        out["steady_ingest_analysis_ms_per_doc"] = st["ingest_analysis_ms_per_doc"]
    if "serve" in by:
        sv = by["serve"]
        out.update(
            query_wall_p50_ms=sv["p50_ms"],
            query_wall_p95_ms=sv["p95_ms"],
            query_cpu_p50_ms=sv["cpu_p50_ms"],
            query_cpu_p95_ms=sv["cpu_p95_ms"],
            query_idle_bound_p50_ms=sv["idle_bound_p50_ms"],
            query_idle_bound_p95_ms=sv["idle_bound_p95_ms"],
            query_target_p50_ms=10,
            query_target_p95_ms=30,
            serving_vmhwm_mb=sv.get("VmHWM"),
            serving_target_mb=1024,
            index_docs=sv["index_docs"],
        )
    out["load_avg"] = os.getloadavg()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--path", type=Path, default=Path("/tmp/aktenwerk-search-bench"))
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--steady-docs", type=int, default=50_000)
    ap.add_argument("--steady-batch", type=int, default=5_000)
    ap.add_argument("--queries", type=int, default=1_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--heap-mb", type=int, default=400)
    ap.add_argument("--workers", type=int, default=0, help="analysis worker processes (0 = in-process)")
    ap.add_argument(
        "--analyse-in-drain",
        action="store_true",
        help="steady phase without the content analyses stored at ingest (analyser-upgrade path)",
    )
    ap.add_argument("--no-result-cache", action="store_true", help="serve without the total/facet cache")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--skip-steady", action="store_true")
    ap.add_argument("--serve-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    heap = args.heap_mb * 1_000_000
    if args.serve_only:
        print(
            json.dumps(serve(args.path, args.queries, not args.no_result_cache), ensure_ascii=False),
            flush=True,
        )
        return
    results: list[dict] = []
    emit(results, {"phase": "setup", "cpus": os.cpu_count(), "load_avg": os.getloadavg(), "docs": args.docs})
    if not args.skip_build:
        emit(results, build(args.path, args.docs, args.batch, args.threads, heap, args.workers))
    if not args.skip_steady:
        emit(
            results,
            steady(
                args.path,
                args.docs,
                args.steady_docs,
                args.steady_batch,
                args.threads,
                heap,
                args.workers,
                args.analyse_in_drain,
            ),
        )
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--serve-only",
            "--path",
            str(args.path),
            "--queries",
            str(args.queries),
            *(["--no-result-cache"] if args.no_result_cache else []),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    emit(results, json.loads(proc.stdout.strip().splitlines()[-1]))
    emit(results, summary(results))
    emit(results, {"phase": "done", "load_avg": os.getloadavg()})
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
