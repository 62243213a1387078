"""The clerk query language, parsed into a small pure AST.

Grammar (forgiving; whitespace separates clauses, clauses are ANDed)::

    query   := clause*                          (clauses are ANDed)
    clause  := unary (("OR" | "ODER" | "|") unary)*   (OR binds tighter than AND)
    unary   := "-" atom | atom
    atom    := "(" query ")" | '"' words '"' | field ":" value | word | word "*"
    field   := typ | akte | von | tag | abteilung | asn | datum
    value   := word | word* | '"' words '"' | date | date ".." date

A syntax slip never raises: unknown fields, unclosed quotes or brackets, dangling operators and bad
dates degrade to plain words (or are dropped) and :attr:`ParsedQuery.notices` says what happened.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Union

FIELD_ALIASES: dict[str, str] = {
    "typ": "document_type",
    "type": "document_type",
    "dokumenttyp": "document_type",
    "akte": "akte",
    "az": "akte",
    "aktenzeichen": "akte",
    "von": "correspondent",
    "absender": "correspondent",
    "korrespondent": "correspondent",
    "tag": "tag",
    "schlagwort": "tag",
    "abteilung": "department",
    "amt": "department",
    "oe": "department",
    "asn": "asn",
    "datum": "date",
    "date": "date",
}
OR_WORDS = frozenset({"OR", "ODER", "|"})
MAX_CLAUSES = 64


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """``field`` is canonical (``document_type``, ``akte``, ``correspondent``, ``tag``, ``department``, ``asn``)."""

    field: str
    value: str
    prefix: bool = False
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class DateRange:
    start: date | None
    end: date | None


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Union[Word, Phrase, FieldFilter, DateRange, Not, And, Or]  # noqa: UP007 - recursive alias


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """Result of :func:`parse`: the AST (``None`` = match everything) and German notices for the user."""

    root: Node | None
    notices: tuple[str, ...] = field(default_factory=tuple)

    @property
    def notice(self) -> str | None:
        return " ".join(self.notices) if self.notices else None


# --- lexer ----------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<quote>"[^"]*"?)                       # phrase (possibly unclosed)
  | (?P<field>[A-Za-zÄÖÜäöüß]+:(?:"[^"]*"?|[^\s()]*))
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


@dataclass(slots=True)
class _Tok:
    kind: str
    text: str
    negated: bool = False


def _lex(query: str) -> list[_Tok]:
    """Split into tokens; a leading ``-`` (glued to the next token) negates it, a lone ``-`` is dropped."""
    toks: list[_Tok] = []
    pending_neg = False
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup or "word"
        text = m.group()
        if kind == "ws":
            pending_neg = False
            continue
        if kind == "word" and text.startswith("-"):
            rest = text.lstrip("-")
            if not rest:
                pending_neg = True  # applies to a directly following phrase or bracket
                continue
            sub = _TOKEN.fullmatch(rest)
            toks.append(_Tok((sub.lastgroup if sub else None) or "word", rest, negated=True))
            continue
        toks.append(_Tok(kind, text, negated=pending_neg))
        pending_neg = False
    return toks


# --- parser ---------------------------------------------------------------------------------------
class _Parser:
    def __init__(self, toks: list[_Tok], notices: list[str]) -> None:
        self.toks = toks
        self.pos = 0
        self.notices = notices
        self.clauses = 0

    def note(self, msg: str) -> None:
        if msg not in self.notices:
            self.notices.append(msg)

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def parse_group(self, depth: int) -> Node | None:
        """Clauses until end (or the closing bracket at ``depth`` > 0), ANDed; OR binds tighter."""
        items: list[Node] = []
        while (tok := self.peek()) is not None:
            if tok.kind == "rparen":
                if depth > 0:
                    break
                self.pos += 1
                self.note("Eine schließende Klammer ohne öffnende wurde ignoriert.")
                continue
            if self._is_or(tok):
                self.pos += 1
                self.note("„ODER“ ohne Suchbegriff auf beiden Seiten wurde ignoriert.")
                continue
            chain = [self.parse_unary(depth)]
            while (nxt := self.peek()) is not None and self._is_or(nxt):
                self.pos += 1
                after = self.peek()
                if after is None or after.kind == "rparen" or self._is_or(after):
                    self.note("„ODER“ ohne Suchbegriff auf beiden Seiten wurde ignoriert.")
                    break
                chain.append(self.parse_unary(depth))
            branches = [c for c in chain if c is not None]
            if not branches:
                continue
            self.clauses += 1
            if self.clauses > MAX_CLAUSES:
                self.note(f"Nur die ersten {MAX_CLAUSES} Suchbegriffe wurden berücksichtigt.")
                continue
            items.append(branches[0] if len(branches) == 1 else Or(tuple(branches)))
        if not items:
            return None
        return items[0] if len(items) == 1 else And(tuple(items))

    @staticmethod
    def _is_or(tok: _Tok) -> bool:
        return tok.kind == "word" and not tok.negated and tok.text in OR_WORDS

    def parse_unary(self, depth: int) -> Node | None:
        tok = self.toks[self.pos]
        self.pos += 1
        node = self.parse_atom(tok, depth)
        if node is None:
            return None
        return Not(node) if tok.negated else node

    def parse_atom(self, tok: _Tok, depth: int) -> Node | None:
        if tok.kind == "lparen":
            inner = self.parse_group(depth + 1)
            closing = self.peek()
            if closing is not None and closing.kind == "rparen":
                self.pos += 1
            else:
                self.note("Eine Klammer wurde nicht geschlossen; der Rest wurde als Gruppe gelesen.")
            return inner
        if tok.kind == "quote":
            return _phrase(tok.text, self.note)
        if tok.kind == "field":
            return _field(tok.text, self.note)
        text = tok.text
        if text.endswith("*"):
            stem = text.rstrip("*")
            if len(stem) >= 2:
                return Word(stem, prefix=True)
            if stem:
                self.note(f"„{text}“: Platzhalter brauchen mindestens zwei Zeichen davor; als Wort gesucht.")
                return Word(stem)
            return None
        return Word(text)


def _phrase(text: str, note) -> Node | None:  # type: ignore[no-untyped-def]
    inner = text[1:]
    if inner.endswith('"') and len(text) > 1:
        inner = inner[:-1]
    else:
        note("Ein Anführungszeichen wurde nicht geschlossen; die Wörter wurden einzeln gesucht.")
        words = [Word(w) for w in inner.split()]
        if not words:
            return None
        return words[0] if len(words) == 1 else And(tuple(words))
    inner = inner.strip()
    if not inner:
        return None
    return Phrase(inner)


_DAY = r"\d{4}-\d{2}-\d{2}"
_DATE_VALUE = re.compile(
    rf"^(?:(?P<year>\d{{4}})(?:-(?P<month>\d{{2}}))?|(?P<from>{_DAY})?\.\.(?P<to>{_DAY})?|(?P<day>{_DAY}))$"
)


def parse_date_value(value: str) -> DateRange | None:
    """``2025`` · ``2025-03`` · ``2024-01-01`` · ``2024-01-01..2024-06-30`` · open ends ``..2024-06-30``."""
    m = _DATE_VALUE.match(value.strip())
    if not m:
        return None
    try:
        if m.group("year"):
            year = int(m.group("year"))
            if m.group("month"):
                month = int(m.group("month"))
                last = calendar.monthrange(year, month)[1]
                return DateRange(date(year, month, 1), date(year, month, last))
            return DateRange(date(year, 1, 1), date(year, 12, 31))
        if m.group("day"):
            d = date.fromisoformat(m.group("day"))
            return DateRange(d, d)
        start = date.fromisoformat(m.group("from")) if m.group("from") else None
        end = date.fromisoformat(m.group("to")) if m.group("to") else None
    except ValueError:
        return None
    if start is None and end is None:
        return None
    if start and end and start > end:
        start, end = end, start
    return DateRange(start, end)


def _field(text: str, note) -> Node | None:  # type: ignore[no-untyped-def]
    name, _, value = text.partition(":")
    canonical = FIELD_ALIASES.get(name.lower())
    plain_words = [w for w in re.split(r"[\s:\"]+", text) if w]

    def as_words() -> Node | None:
        words = [Word(w) for w in plain_words]
        if not words:
            return None
        return words[0] if len(words) == 1 else And(tuple(words))

    if canonical is None:
        if name.lower() in {"http", "https"} or not value:
            return as_words()
        note(f"Unbekanntes Feld „{name}:“ – als normaler Suchbegriff gesucht.")
        return as_words()
    phrase = value.startswith('"')
    if phrase:
        closed = len(value) > 1 and value.endswith('"')
        if not closed:
            note("Ein Anführungszeichen wurde nicht geschlossen; der Wert wurde trotzdem verwendet.")
        value = value.strip('"')
    value = value.strip()
    if not value:
        note(f"„{name}:“ ohne Wert wurde ignoriert.")
        return None
    if canonical == "date":
        rng = parse_date_value(value)
        if rng is None:
            note(
                f"„{value}“ ist kein gültiges Datum (z. B. 2025, 2025-03 oder 2024-01-01..2024-06-30); als Wort gesucht."
            )
            return as_words()
        return rng
    prefix = value.endswith("*") and not phrase
    if prefix:
        value = value.rstrip("*")
        if not value:
            note(f"„{name}:*“ wurde ignoriert.")
            return None
    return FieldFilter(canonical, value, prefix=prefix, phrase=phrase)


def parse(query: str) -> ParsedQuery:
    """Parse a clerk query. Never raises; an empty query yields ``root=None`` (everything)."""
    notices: list[str] = []
    parser = _Parser(_lex(query or ""), notices)
    root = parser.parse_group(0)
    return ParsedQuery(root, tuple(notices))


def positive_leaves(node: Node | None) -> list[Word | Phrase | FieldFilter]:
    """Words, phrases and field filters that are not negated (for highlighting and suggestions)."""
    out: list[Word | Phrase | FieldFilter] = []

    def walk(n: Node) -> None:
        if isinstance(n, (Word, Phrase, FieldFilter)):
            out.append(n)
        elif isinstance(n, (And, Or)):
            for c in n.children:
                walk(c)

    if node is not None:
        walk(node)
    return out
