"""German text analysis, run in Python so every engine indexes and queries the very same terms.

Pipeline per token: lower-case → fold (``ä→ae ö→oe ü→ue ß→ss``, other diacritics stripped) → stop-word
check → Snowball German stem (which maps ``ae/oe/ue`` back to the umlaut before stemming, so ``Mueller``
and ``Müller`` share one stem) → dictionary decompounding (``Bauantragsformular`` → ``bau antrag
formular``). The engines receive the result as whitespace-separated terms and tokenize on whitespace only.

Per-token results are cached: a municipal corpus reuses a small vocabulary, which makes indexing cheap.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
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
#: Bump when the analysis changes in a way the dictionaries don't show (it is part of
#: :attr:`GermanAnalyzer.version`, so stored content analyses made before are recomputed).
ANALYSIS_REVISION = "2"  # 2: compounds of three or more parts also yield their inner compounds


def fold(text: str) -> str:
    """Canonical comparison form: lower case, umlauts and ß spelled out, other accents removed."""
    out = text.lower().translate(_UMLAUTS)
    if not out.isascii():
        out = "".join(c for c in unicodedata.normalize("NFKD", out) if not unicodedata.combining(c))
    return out


@lru_cache(maxsize=200_000)
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
        # every prefix of a dictionary part (a trie as a set): the splitter stops extending a piece as
        # soon as no part starts with it
        self._part_prefixes = frozenset(w[:k] for w in self.parts_dict for k in range(1, len(w) + 1))
        self._cache: dict[str, TokenInfo] = {}
        self._chunk_stems: dict[str, str] = {}  # whitespace chunk -> its stems, space-joined
        self._chunk_parts: dict[str, str] = {}  # only chunks that contain compounds
        self._chunk_clears = 0  # how often the chunk caches were emptied (bounded memory)

    @cached_property
    def version(self) -> str:
        """Identifies this analysis (code revision, class, dictionaries, stemmer): a stored content
        analysis is used only by an analyzer of the same version."""
        h = hashlib.blake2b(digest_size=8)
        for item in (
            ANALYSIS_REVISION,
            f"{type(self).__module__}.{type(self).__qualname__}",
            repr((MIN_PART, MIN_COMPOUND, MAX_TOKEN, _LINKS)),
            type(self._stemmer).__module__,
            "\n".join(sorted(self.stopwords)),
            "\n".join(sorted(self.parts_dict)),
        ):
            h.update(item.encode("utf-8"))
            h.update(b"\0")
        return h.hexdigest()

    # -- content analysis computed once, stored with the text ------------------------------------
    def _content_stamp(self, content: str) -> str:
        data = content.encode("utf-8", "surrogatepass")
        return f"{self.version}:{len(data)}:{zlib.crc32(data):08x}"

    def encode_content(self, content: str) -> str:
        """The analysis of ``content`` (body terms and compound parts) as one string to store beside the
        text when it is extracted, so indexing a metadata change later need not analyse the text again.
        It is stamped with :attr:`version` and a checksum of ``content``: see :meth:`decode_content`."""
        terms, parts = self._analyze_text(content)
        return f"{self._content_stamp(content)}\n{terms}\n{parts}"

    def decode_content(self, content: str, encoded: str | None) -> tuple[str, str] | None:
        """(terms, parts) from :meth:`encode_content`'s output, or ``None`` unless it was made by this
        analyzer's version for exactly ``content`` (a stale or foreign analysis is never trusted)."""
        if not encoded:
            return None
        stamp, sep, rest = encoded.partition("\n")
        if not sep or stamp != self._content_stamp(content):
            return None
        terms, sep, parts = rest.partition("\n")
        if not sep or "\n" in parts:
            return None
        return terms, parts

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
        """Stems of the dictionary parts of a folded compound, or ``()`` if it is not one.

        A compound of three or more parts also yields its inner compounds as written (adjacent parts with
        their linking morphemes): ``Bauantragsformular`` → ``bau antrag formular bauantrag antragsformular``,
        so a search for ``Bauantrag`` finds the form (a plain term lookup, nothing extra at query time)."""
        if len(folded) < MIN_COMPOUND or not folded.isalpha():
            return ()
        split = self._split(folded)
        if not split or len(split) < 2:
            return ()
        stems = [self._stem(p) for p in split]
        if len(split) >= 3:
            stems += self._inner_compounds(folded, split)
        return tuple(dict.fromkeys(stems))

    def _inner_compounds(self, folded: str, split: tuple[str, ...]) -> list[str]:
        """Stems of every run of adjacent parts shorter than the whole word, cut from ``folded``."""
        starts: list[int] = []
        pos = 0
        for piece in split:
            found = folded.find(piece, pos)
            if found < 0:  # pragma: no cover - a split piece always occurs in order
                return []
            starts.append(found)
            pos = found + len(piece)
        ends = [start + len(piece) for start, piece in zip(starts, split, strict=True)]
        last = len(split) - 1
        return [
            self._stem(folded[starts[a] : ends[b]])
            for a in range(len(split))
            for b in range(a + 1, len(split))
            if (a, b) != (0, last)
        ]

    def _split(self, word: str) -> tuple[str, ...] | None:
        """Fewest-parts segmentation of ``word`` into dictionary parts joined by linking morphemes."""
        return _split_cached(word, self.parts_dict, self._part_stems, self._stem, self._part_prefixes)

    # -- texts -----------------------------------------------------------------------------------
    def _learn_chunk(self, chunk: str) -> str:
        """Analyse one whitespace-separated chunk (punctuation allowed) into the chunk caches."""
        stems: list[str] = []
        parts: list[str] = []
        for raw in _TOKEN_RE.findall(chunk):
            info = self.token(raw)
            if info.stem is not None:
                stems.append(info.stem)
                parts.extend(info.parts)
        if len(self._chunk_stems) >= _CACHE_LIMIT:
            self._chunk_stems.clear()
            self._chunk_parts.clear()
            self._chunk_clears += 1
        joined = " ".join(stems)
        self._chunk_stems[chunk] = joined
        if parts:
            self._chunk_parts[chunk] = " ".join(parts)
        return joined

    def _analyze_text(self, text: str) -> tuple[str, str]:
        """(stems, parts) of ``text`` as space-joined strings; the hot path runs at C speed via map/join.

        One ``map`` of ``dict.get`` looks every chunk up; unknown chunks (the long tail: names, numbers,
        new compounds) are found with ``list.index`` (C speed) and learnt one by one. Chunks that are
        only stop words map to ``""`` and are filtered out."""
        words = text.split()
        known = self._chunk_stems
        stems = list(map(known.get, words))
        clears = self._chunk_clears
        i = 0
        try:
            while True:
                i = stems.index(None, i)
                value = known.get(words[i])  # learnt earlier in this text?
                stems[i] = value if value is not None else self._learn_chunk(words[i])
                i += 1
        except ValueError:
            pass
        if clears != self._chunk_clears:  # the caches were emptied meanwhile: word by word
            pairs = [self.chunk_analysis(word) for word in words]
            return " ".join(b for b, _p in pairs if b), " ".join(p for _b, p in pairs if p)
        body = " ".join(filter(None, stems))
        parts = " ".join(filter(None, map(self._chunk_parts.get, words)))
        return body, parts

    def chunk_analysis(self, chunk: str) -> tuple[str, str]:
        """(stems, parts) of one whitespace-separated chunk, space-joined (cached)."""
        stems = self._chunk_stems.get(chunk)
        if stems is None:
            stems = self._learn_chunk(chunk)
        return stems, self._chunk_parts.get(chunk, "")

    def terms(self, text: str) -> list[str]:
        """Stems of all non-stop-word tokens of ``text`` in order."""
        return self._analyze_text(text)[0].split()

    def analyze_doc(
        self, title: str, content: str, correspondent: str = "", content_analysis: str | None = None
    ) -> AnalyzedDoc:
        """Everything an engine indexes for one document's text fields (same terms as :meth:`terms`).

        ``content_analysis`` is the content's stored analysis (:meth:`encode_content`); it is used when
        valid for this analyzer and this content, else the content is analysed here."""
        title_terms, title_parts = self._analyze_text(title)
        stored = self.decode_content(content, content_analysis)
        body_terms, body_parts = stored if stored is not None else self._analyze_text(content)
        body = f"{title_terms} {body_terms}" if title_terms and body_terms else (title_terms or body_terms)
        parts = f"{title_parts} {body_parts}" if title_parts and body_parts else (title_parts or body_parts)
        return AnalyzedDoc(
            body=body,
            title=title_terms,
            parts=parts,
            correspondent=self._analyze_text(correspondent)[0] if correspondent else "",
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
    word: str,
    parts: frozenset[str],
    part_stems: frozenset[str],
    stem: Callable[[str], str],
    prefixes: frozenset[str] | None = None,
) -> tuple[str, ...] | None:
    """Fewest-parts segmentation, searched forward: only positions reachable through dictionary parts
    (and linking morphemes) are extended, and the tail is stemmed at most once per reachable position."""
    n = len(word)
    reach: dict[int, tuple[str, ...]] = {0: ()}
    best: tuple[str, ...] | None = None
    for i in range(n):
        prefix = reach.get(i)
        if prefix is None:
            continue
        if best is not None and len(prefix) + 1 >= len(best):
            continue
        tail = word[i:]
        if (
            len(tail) >= MIN_PART
            and prefix
            and (tail in parts or (len(tail) > MIN_PART and stem(tail) in part_stems))
        ):
            best = (*prefix, tail)
            continue
        for j in range(i + MIN_PART, n - MIN_PART + 1):
            piece = word[i:j]
            if prefixes is not None and piece not in prefixes:
                break  # no dictionary part starts with this piece, nor with any longer one
            if piece not in parts:
                continue
            for link in _LINKS:
                k = j + len(link)
                if k <= n - MIN_PART and word.startswith(link, j):
                    seg = (*prefix, piece)
                    known = reach.get(k)
                    if known is None or len(seg) < len(known):
                        reach[k] = seg
    return best
