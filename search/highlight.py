"""Highlighted snippets, computed in Python from the stored raw text so they are identical on every
engine. Output is HTML-safe: the text is escaped and matches are wrapped in ``<mark>…</mark>``."""

from __future__ import annotations

import html
import re

from search.analysis import GermanAnalyzer, TokenInfo, fold

_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
MAX_SCAN_CHARS = 200_000
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"


class MatchMemo:
    """Per-query memo of which whitespace chunks contain a match (chunks repeat across hits)."""

    __slots__ = ("negative", "positive")

    def __init__(self) -> None:
        self.positive: set[str] = set()
        self.negative: set[str] = set()


def match_spans(
    text: str,
    terms: frozenset[str],
    prefixes: tuple[str, ...],
    analyzer: GermanAnalyzer,
    memo: MatchMemo | None = None,
) -> list[tuple[int, int]]:
    """Character spans of tokens in ``text`` that match a query stem, compound part or prefix.

    Works per distinct whitespace chunk using the analyzer's caches and set operations (C speed); only
    chunks that match are tokenized again to find exact spans.
    """
    if not terms and not prefixes:
        return []
    memo = memo or MatchMemo()
    text = text[:MAX_SCAN_CHARS]
    chunks = set(text.split())
    for chunk in chunks - memo.positive - memo.negative:
        stems, parts = analyzer.chunk_analysis(chunk)
        words = stems.split()
        hit = bool(words) and (
            not terms.isdisjoint(words)
            or (bool(parts) and not terms.isdisjoint(parts.split()))
            or (bool(prefixes) and _prefix_hit(chunk, words, prefixes))
        )
        (memo.positive if hit else memo.negative).add(chunk)
    matching = chunks & memo.positive
    if not matching:
        return []
    spans: list[tuple[int, int]] = []
    token = analyzer.token
    for chunk in matching:
        inner = [
            m.span()
            for m in _TOKEN_RE.finditer(chunk)
            if _token_hit(token(m.group()), m.group(), terms, prefixes)
        ]
        start = text.find(chunk)
        while start != -1:
            end = start + len(chunk)
            if (start == 0 or text[start - 1].isspace()) and (end == len(text) or text[end].isspace()):
                spans.extend((start + a, start + b) for a, b in inner)
            start = text.find(chunk, start + 1)
    spans.sort()
    return spans


def _prefix_hit(chunk: str, stems: list[str], prefixes: tuple[str, ...]) -> bool:
    folded = [fold(t) for t in _TOKEN_RE.findall(chunk)]
    return any(w.startswith(p) for p in prefixes for w in (*stems, *folded))


def _token_hit(info: TokenInfo, raw: str, terms: frozenset[str], prefixes: tuple[str, ...]) -> bool:
    stem = info.stem
    if stem is None:
        return False
    if stem in terms or any(p in terms for p in info.parts):
        return True
    if prefixes:
        folded = fold(raw)
        return any(stem.startswith(p) or folded.startswith(p) for p in prefixes)
    return False


def snippets(
    text: str,
    terms: frozenset[str],
    prefixes: tuple[str, ...],
    analyzer: GermanAnalyzer,
    *,
    max_snippets: int = 2,
    window: int = 160,
    memo: MatchMemo | None = None,
) -> list[str]:
    """Up to ``max_snippets`` windows of about ``window`` characters with the most matches."""
    spans = match_spans(text, terms, prefixes, analyzer, memo)
    if not spans:
        return []
    lead = window // 4
    candidates: list[tuple[int, int, int]] = []  # (-count, start, end)
    j = 0
    for i, (s, _e) in enumerate(spans):
        start = max(0, s - lead)
        end = min(len(text), start + window)
        j = max(j, i)
        while j + 1 < len(spans) and spans[j + 1][1] <= end:
            j += 1
        candidates.append((-(j - i + 1), start, end))
    candidates.sort()
    chosen: list[tuple[int, int]] = []
    for _neg, start, end in candidates:
        if all(end <= cs or start >= ce for cs, ce in chosen):
            chosen.append((start, end))
            if len(chosen) == max_snippets:
                break
    chosen.sort()
    return [_render(text, start, end, spans) for start, end in chosen]


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    # widen to word boundaries so no word is cut in half
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    out: list[str] = ["…" if start > 0 else ""]
    pos = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        s, e = max(span_start, start), min(span_end, end)
        out.append(html.escape(text[pos:s]))
        out.append(MARK_OPEN + html.escape(text[s:e]) + MARK_CLOSE)
        pos = e
    out.append(html.escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return " ".join("".join(out).split())
