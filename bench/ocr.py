"""Scan station benchmark: pipeline throughput vs. plain Tesseract, and word recall.

Generates German A4 test scans (300 dpi, slight random rotation, salt-and-pepper noise), then in one
run and on the same pages:

1. baseline: ``tesseract PAGE.png - -l deu+eng`` with 2 parallel jobs (OMP_THREAD_LIMIT=1; the
   same Tesseract, languages and default engine/page-segmentation modes the pipeline uses);
2. pipeline: ``dms.ocr.engine.ocr_to_pdfa`` on multi-page TIFF documents (deskew and rotation on,
   PDF/A-2b output), documents processed by ``--workers`` parallel workers (like the worker
   processes of ``aktenwerk serve``), each OCR'ing ``--jobs`` pages at a time (default: the
   production default, one per core, so a document running alone still uses both cores);
   the OCR children (and their zygote) are started inside the measured section and reaped at its end,
   so their start-up and all their CPU time (Tesseract included) count;
3. word recall of both against the printed text.

CPU = user+sys of this process and all reaped descendants. Each round prints the 1-minute load
average before and after: wall-clock figures only mean something on an otherwise idle machine.

Usage: .venv/bin/python bench/ocr.py [--pages 12] [--per-doc 4] [--workers 2] [--jobs N] [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dms.ocr import testscans as ts
from dms.ocr._child import shutdown
from dms.ocr.engine import ocr_to_pdfa


def cpu_seconds() -> float:
    """CPU time of this process and all reaped descendants (Tesseract, the OCR child, ...)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_tesseract(pngs: list[Path], jobs: int) -> tuple[float, list[str]]:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def one(path: Path) -> str:
        proc = subprocess.run(
            ["tesseract", str(path), "-", "-l", "deu+eng"], capture_output=True, text=True, env=env, check=True
        )
        return proc.stdout

    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        texts = list(pool.map(one, pngs))
    return time.perf_counter() - started, texts


def run_pipeline(docs: list[Path], out_dir: Path, workers: int, jobs: int | None = None) -> tuple[float, list[str]]:
    def one(doc: Path) -> list[str]:
        result = ocr_to_pdfa(doc, out_dir / f"{doc.stem}.pdf", jobs=jobs)
        assert result.conformance == "2B"
        return list(result.page_texts)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        per_doc = list(pool.map(one, docs))
    elapsed = time.perf_counter() - started
    shutdown()  # reap the warm OCR children and their zygote so their CPU time is counted
    return elapsed, [t for texts in per_doc for t in texts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--per-doc", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None,
                        help="pages OCR'd at a time per document (default: production default, one per core)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="aw-bench-ocr-") as tmp_name:
        tmp = Path(tmp_name)
        pages = [ts.german_page(100 + i, n_sentences=12) for i in range(args.pages)]
        pngs = [ts.save_png(p, tmp / f"page-{i:03d}.png") for i, p in enumerate(pages)]
        docs = []
        for start in range(0, len(pages), args.per_doc):
            chunk = pages[start : start + args.per_doc]
            docs.append(ts.save_tiff(chunk, tmp / f"doc-{start // args.per_doc:03d}.tif", compression="tiff_deflate"))
        truth = [p.text for p in pages]
        print(f"{len(pages)} A4 pages at 300 dpi in {len(docs)} TIFF documents; {os.cpu_count()} cores")
        ratios_wall: list[float] = []
        ratios_cpu: list[float] = []
        for rnd in range(args.rounds):
            load_before = os.getloadavg()[0]
            c0 = cpu_seconds()
            t_base, base_texts = run_tesseract(pngs, 2)
            c1 = cpu_seconds()
            out = tmp / f"out-{rnd}"
            out.mkdir()
            t_pipe, pipe_texts = run_pipeline(docs, out, args.workers, args.jobs)
            c2 = cpu_seconds()
            cpu_base, cpu_pipe = c1 - c0, c2 - c1
            base_ppm = len(pages) / t_base * 60
            pipe_ppm = len(pages) / t_pipe * 60
            base_recall = sum(ts.word_recall(a, b) for a, b in zip(truth, base_texts, strict=True)) / len(pages)
            pipe_recall = sum(ts.word_recall(a, b) for a, b in zip(truth, pipe_texts, strict=True)) / len(pages)
            ratios_wall.append(pipe_ppm / base_ppm)
            ratios_cpu.append(cpu_base / cpu_pipe)
            print(f"round {rnd + 1} (load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after):")
            print(f"  tesseract (2 jobs):   {t_base:6.1f} s wall {base_ppm:6.1f} pages/min  "
                  f"{cpu_base:6.1f} s CPU {len(pages) / cpu_base * 60:6.1f} pages/CPU-min  recall {base_recall:.1%}")
            print(f"  pipeline ({args.workers} workers): {t_pipe:6.1f} s wall {pipe_ppm:6.1f} pages/min  "
                  f"{cpu_pipe:6.1f} s CPU {len(pages) / cpu_pipe * 60:6.1f} pages/CPU-min  recall {pipe_recall:.1%}")
            print(f"  pipeline / tesseract: {ratios_wall[-1]:.0%} wall, {ratios_cpu[-1]:.0%} per CPU second")
        print(f"median pipeline / tesseract: {statistics.median(ratios_wall):.0%} wall-clock throughput, "
              f"{statistics.median(ratios_cpu):.0%} pages per CPU second (target >= 80 %)")

if __name__ == "__main__":
    main()
