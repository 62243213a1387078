"""German text analysis, run in Python so every engine indexes and queries the very same terms.

Pipeline per token: lower-case → fold (``ä→ae ö→oe ü→ue ß→ss``, other diacritics stripped) → stop-word
check → Snowball German stem (which maps ``ae/oe/ue`` back to the umlaut before stemming, so ``Mueller``
and ``Müller`` share one stem) → dictionary decompounding (``Bauantragsformular`` → ``bau antrag
formular``). The engines receive the result as whitespace-separated terms and tokenize on whitespace only.

Per-token results are cached: a municipal corpus reuses a small vocabulary, which makes indexing cheap.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import NamedTuple

import snowballstemmer

_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_LINKS = ("", "s", "es", "n", "en", "e", "er", "ns")
MIN_PART = 3
MIN_COMPOUND = 8
MAX_TOKEN = 64
_CACHE_LIMIT = 2_000_000


def fold(text: str) -> str:
    """Canonical comparison form: lower case, umlauts and ß spelled out, other accents removed."""
    out = text.lower().translate(_UMLAUTS)
    if not out.isascii():
        out = "".join(c for c in unicodedata.normalize("NFKD", out) if not unicodedata.combining(c))
    return out


def normalize_keyword(value: str) -> str:
    """Form of keyword values (type, department, tag, Aktenzeichen…) used for exact filters."""
    return " ".join(fold(value).split())


def tokenize(text: str) -> list[str]:
    """Raw word tokens (letters and digits) of ``text``, original spelling."""
    return _TOKEN_RE.findall(text)


def _load_words(name: str) -> frozenset[str]:
    raw = resources.files("search.data").joinpath(name).read_text(encoding="utf-8")
    return frozenset(
        fold(line.strip()) for line in raw.splitlines() if line.strip() and not line.startswith("#")
    )


class TokenInfo(NamedTuple):
    """Analysis of one token: its stem (``None`` for a stop word) and the stems of compound parts."""

    stem: str | None
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnalyzedDoc:
    """Pre-analysed text handed to an engine (whitespace-separated terms)."""

    body: str  # stems of title + content, in order (phrase-capable)
    title: str  # stems of the title
    parts: str  # stems of decompounded parts
    correspondent: str  # stems of the correspondent's name


class GermanAnalyzer:
    """Stateless apart from its caches; one shared instance is enough (see :func:`default_analyzer`)."""

    def __init__(self) -> None:
        self._stemmer = snowballstemmer.stemmer("german")
        self.stopwords = _load_words("stopwords_de.txt")
        self.parts_dict = frozenset(w for w in _load_words("compound_parts_de.txt") if len(w) >= MIN_PART)
        self._part_stems = frozenset(self._stem(w) for w in self.parts_dict)
        self._cache: dict[str, TokenInfo] = {}

    # -- single tokens -------------------------------------------------------------------------
    def _stem(self, folded: str) -> str:
        if folded.isdigit():
            return folded
        return str(self._stemmer.stemWord(folded))

    def token(self, raw: str) -> TokenInfo:
        """Analyse one raw token (cached)."""
        info = self._cache.get(raw)
        if info is None:
            info = self._analyze_token(raw)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[raw] = info
        return info

    def _analyze_token(self, raw: str) -> TokenInfo:
        folded = fold(raw)[:MAX_TOKEN]
        if not folded or folded in self.stopwords:
            return TokenInfo(None, ())
        return TokenInfo(self._stem(folded), self.decompound(folded))

    def stem(self, word: str) -> str | None:
        """Stem of one word (``None`` for a stop word)."""
        return self.token(word).stem

    def decompound(self, folded: str) -> tuple[str, ...]:
        """Stems of the dictionary parts of a folded compound, or ``()`` if it is not one."""
        if len(folded) < MIN_COMPOUND or not folded.isalpha():
            return ()
        split = self._split(folded)
        if not split or len(split) < 2:
            return ()
        return tuple(dict.fromkeys(self._stem(p) for p in split))

    def _split(self, word: str) -> tuple[str, ...] | None:
        """Fewest-parts segmentation of ``word`` into dictionary parts joined by linking morphemes."""
        return _split_cached(word, self.parts_dict, self._part_stems, self._stem)

    # -- texts -----------------------------------------------------------------------------------
    def terms(self, text: str) -> list[str]:
        """Stems of all non-stop-word tokens of ``text`` in order."""
        out: list[str] = []
        append = out.append
        token = self.token
        for raw in _TOKEN_RE.findall(text):
            stem = token(raw).stem
            if stem is not None:
                append(stem)
        return out

    def analyze_doc(self, title: str, content: str, correspondent: str = "") -> AnalyzedDoc:
        """Everything an engine indexes for one document's text fields."""
        cache = self._cache
        token = self.token
        findall = _TOKEN_RE.findall
        title_infos = [cache.get(r) or token(r) for r in findall(title)]
        infos = [cache.get(r) or token(r) for r in findall(content)]
        title_terms = [i.stem for i in title_infos if i.stem is not None]
        body = " ".join(title_terms)
        content_terms = " ".join([i.stem for i in infos if i.stem is not None])
        if content_terms:
            body = f"{body} {content_terms}" if body else content_terms
        parts = [p for i in title_infos if i.parts for p in i.parts]
        parts.extend([p for i in infos if i.parts for p in i.parts])
        return AnalyzedDoc(
            body=body,
            title=" ".join(title_terms),
            parts=" ".join(parts),
            correspondent=" ".join(self.terms(correspondent)) if correspondent else "",
        )

    def prefixes(self, raw_prefix: str) -> tuple[str, ...]:
        """Index-side prefixes for a clerk's ``prefix*``: the folded form and, if different, its stem."""
        folded = fold(raw_prefix)
        if not folded:
            return ()
        out = [folded]
        stemmed = self._stem(folded)
        if stemmed and stemmed != folded and len(stemmed) >= 2:
            out.append(stemmed)
        # The stemmer maps ae/oe/ue back to plain vowels; mirror that for prefixes ending mid-umlaut.
        plain = folded.replace("ae", "a").replace("oe", "o").replace("ue", "u")
        if plain != folded and plain not in out:
            out.append(plain)
        return tuple(out)


@cache
def default_analyzer() -> GermanAnalyzer:
    """Process-wide analyzer (loading the dictionaries once)."""
    return GermanAnalyzer()


def _split_cached(
    word: str, parts: frozenset[str], part_stems: frozenset[str], stem
) -> tuple[str, ...] | None:  # type: ignore[no-untyped-def]
    n = len(word)
    # best[i] = fewest-parts segmentation of word[i:] (None if impossible)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[n] = ()
    for i in range(n - MIN_PART, -1, -1):
        candidate: tuple[str, ...] | None = None
        for j in range(n, i + MIN_PART - 1, -1):
            piece = word[i:j]
            if j == n:
                ok = piece in parts or (len(piece) >= MIN_PART + 1 and stem(piece) in part_stems)
                tails: list[tuple[str, ...] | None] = [()] if ok else []
            else:
                if piece not in parts:
                    continue
                tails = []
                for link in _LINKS:
                    k = j + len(link)
                    if k <= n and word.startswith(link, j) and best[k] is not None and k < n:
                        tails.append(best[k])
            for tail in tails:
                if tail is None:
                    continue
                seg = (piece, *tail)
                if candidate is None or len(seg) < len(candidate):
                    candidate = seg
        best[i] = candidate
    return best[0]
