"""Engine-neutral query plan (IR) and the compiler from the clerk AST to it.

All analysis happens here, so each engine only translates a handful of node types into its own query
objects and every engine sees the very same terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Union

from search.analysis import GermanAnalyzer, fold, normalize_keyword, tokenize
from search.query import And, DateRange, FieldFilter, Node, Not, Or, ParsedQuery, Phrase, Word

# Index fields (the same names in every engine).
BODY = "body"  # stems of title + content, positions
TITLE = "title"  # stems of title, positions
PARTS = "parts"  # stems of compound parts
CORR = "corr"  # stems of correspondent, positions
ID = "id"
ACL = "acl"
DAY = "day"  # effective date as proleptic ordinal (date.toordinal())
YEAR = "year"
KEYWORD_FIELDS: dict[str, str] = {
    "document_type": "k_type",
    "department": "k_dept",
    "akte": "k_akte",
    "tag": "k_tag",
    "asn": "k_asn",
}
#: facet name -> engine field holding the display value (``year`` is numeric)
FACET_FIELDS: dict[str, str] = {
    "document_type": "f_type",
    "department": "f_dept",
    "correspondent": "f_corr",
    "tag": "f_tag",
    "akte": "f_akte",
    "year": YEAR,
}
TITLE_BOOST = 2.0
PARTS_BOOST = 0.5


@dataclass(frozen=True, slots=True)
class MatchAll:
    """Every document, with score 0 on every engine (it only ever selects, never ranks)."""


@dataclass(frozen=True, slots=True)
class MatchNone:
    pass


@dataclass(frozen=True, slots=True)
class Term:
    field: str
    value: str


@dataclass(frozen=True, slots=True)
class TermSet:
    field: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Prefix:
    field: str
    prefix: str


@dataclass(frozen=True, slots=True)
class PhraseQ:
    field: str
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Range:
    """Inclusive integer range; ``None`` = open end."""

    field: str
    lo: int | None
    hi: int | None


@dataclass(frozen=True, slots=True)
class Boost:
    child: Q
    factor: float


@dataclass(frozen=True, slots=True)
class Bool:
    """Lucene semantics: ``must`` and ``filter`` required (``filter`` unscored), ``must_not`` excluded;
    ``should`` optional when a ``must``/``filter`` exists, else at least one required; scores add up.
    Field filters and date ranges always sit in a ``filter`` so they never contribute to the score."""

    must: tuple[Q, ...] = ()
    should: tuple[Q, ...] = ()
    must_not: tuple[Q, ...] = ()
    filter: tuple[Q, ...] = ()


Q = Union[MatchAll, MatchNone, Term, TermSet, Prefix, PhraseQ, Range, Boost, Bool]  # noqa: UP007


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    ir: Q
    terms: frozenset[str] = frozenset()  # positive text stems (highlighting)
    prefixes: tuple[str, ...] = ()  # positive text prefixes (highlighting)
    notices: tuple[str, ...] = ()
    single_word: str | None = None  # the query was exactly one plain word (typo suggestions)
    match_all: bool = False


def text_match(term: str) -> Q:
    """A word matches the text, the title (boosted), compound parts (damped) or the correspondent."""
    return Bool(
        should=(
            Term(BODY, term),
            Boost(Term(TITLE, term), TITLE_BOOST),
            Boost(Term(PARTS, term), PARTS_BOOST),
            Term(CORR, term),
        )
    )


def phrase_match(terms: tuple[str, ...]) -> Q:
    return Bool(
        should=(PhraseQ(BODY, terms), Boost(PhraseQ(TITLE, terms), TITLE_BOOST), PhraseQ(CORR, terms))
    )


def prefix_match(prefixes: tuple[str, ...]) -> Q:
    clauses: list[Q] = []
    for p in prefixes:
        clauses.append(Prefix(BODY, p))
        clauses.append(Boost(Prefix(TITLE, p), TITLE_BOOST))
    return Bool(should=tuple(clauses))


def with_acl(query: Q, principal_tokens: frozenset[str]) -> Q:
    """Restrict ``query`` to documents the principal may read (``*`` reads everything)."""
    if "*" in principal_tokens:
        return query
    tokens = tuple(sorted(t for t in principal_tokens if t))
    if not tokens:
        return MatchNone()
    return Bool(must=(query,), filter=(TermSet(ACL, tokens),))


@dataclass(slots=True)
class _Ctx:
    analyzer: GermanAnalyzer
    terms: set[str] = field(default_factory=set)
    prefixes: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    dropped_stopwords: list[str] = field(default_factory=list)


def compile_query(parsed: ParsedQuery, analyzer: GermanAnalyzer) -> CompiledQuery:
    """Turn the clerk AST into the engine-neutral plan (pure)."""
    ctx = _Ctx(analyzer, notices=list(parsed.notices))
    if parsed.root is None:
        return CompiledQuery(MatchAll(), notices=tuple(ctx.notices), match_all=True)
    ir = _compile(parsed.root, ctx, positive=True)
    if ir is None:
        if ctx.dropped_stopwords:
            ctx.notices.append(
                "Die Suche enthielt nur Füllwörter (z. B. „und“, „der“); bitte genauer suchen."
            )
        ir = MatchNone()
    elif ctx.dropped_stopwords:
        words = ", ".join(f"„{w}“" for w in dict.fromkeys(ctx.dropped_stopwords))
        ctx.notices.append(f"Füllwörter wurden ignoriert: {words}.")
    single = parsed.root.text if isinstance(parsed.root, Word) and not parsed.root.prefix else None
    return CompiledQuery(
        ir,
        terms=frozenset(ctx.terms),
        prefixes=tuple(dict.fromkeys(ctx.prefixes)),
        notices=tuple(ctx.notices),
        single_word=single,
    )


def _compile(node: Node, ctx: _Ctx, positive: bool) -> Q | None:
    if isinstance(node, Word):
        return _word(node, ctx, positive)
    if isinstance(node, Phrase):
        stems = tuple(ctx.analyzer.terms(node.text))
        if not stems:
            ctx.dropped_stopwords.append(node.text)
            return None
        if positive:
            ctx.terms.update(stems)
        return text_match(stems[0]) if len(stems) == 1 else phrase_match(stems)
    if isinstance(node, FieldFilter):
        inner = _field(node, ctx)
        return Bool(filter=(inner,)) if inner is not None else None
    if isinstance(node, DateRange):
        lo = node.start.toordinal() if node.start else None
        hi = node.end.toordinal() if node.end else None
        return Bool(filter=(Range(DAY, lo, hi),))
    if isinstance(node, Not):
        inner = _compile(node.child, ctx, positive=not positive)
        if inner is None:
            return None
        return Bool(must=(MatchAll(),), must_not=(inner,))
    if isinstance(node, Or):
        branches = [b for b in (_compile(c, ctx, positive) for c in node.children) if b is not None]
        if not branches:
            return None
        return branches[0] if len(branches) == 1 else Bool(should=tuple(branches))
    if isinstance(node, And):
        must: list[Q] = []
        must_not: list[Q] = []
        filters: list[Q] = []
        for child in node.children:
            if isinstance(child, Not):
                inner = _compile(child.child, ctx, positive=not positive)
                if inner is not None:
                    must_not.append(inner)
                continue
            compiled = _compile(child, ctx, positive)
            if compiled is None:
                continue
            (filters if isinstance(child, (FieldFilter, DateRange)) else must).append(compiled)
        if not (must or filters or must_not):
            return None
        if not must and not filters:
            must.append(MatchAll())
        return Bool(must=tuple(must), must_not=tuple(must_not), filter=tuple(filters))
    raise TypeError(f"unknown query node {node!r}")  # pragma: no cover - exhaustive


def _word(node: Word, ctx: _Ctx, positive: bool) -> Q | None:
    if node.prefix:
        prefixes = ctx.analyzer.prefixes(node.text)
        if not prefixes:
            return None
        if positive:
            ctx.prefixes.extend(prefixes)
        return prefix_match(prefixes)
    raw_tokens = tokenize(node.text)
    stems = tuple(s for s in (ctx.analyzer.stem(t) for t in raw_tokens) if s is not None)
    if not stems:
        if raw_tokens:
            ctx.dropped_stopwords.append(node.text)
        return None
    if positive:
        ctx.terms.update(stems)
    return text_match(stems[0]) if len(stems) == 1 else phrase_match(stems)


def _field(node: FieldFilter, ctx: _Ctx) -> Q | None:
    if node.field == "correspondent":
        if node.prefix:
            prefixes = ctx.analyzer.prefixes(node.value)
            return Bool(should=tuple(Prefix(CORR, p) for p in prefixes)) if prefixes else None
        stems = tuple(ctx.analyzer.terms(node.value))
        if not stems:
            return None
        return Term(CORR, stems[0]) if len(stems) == 1 else PhraseQ(CORR, stems)
    engine_field = KEYWORD_FIELDS[node.field]
    value = normalize_keyword(node.value)
    if not value:
        return None
    return Prefix(engine_field, value) if node.prefix else Term(engine_field, value)


def day_number(d: date) -> int:
    return d.toordinal()


__all__ = [
    "ACL",
    "BODY",
    "CORR",
    "DAY",
    "FACET_FIELDS",
    "ID",
    "KEYWORD_FIELDS",
    "PARTS",
    "TITLE",
    "YEAR",
    "Bool",
    "Boost",
    "CompiledQuery",
    "MatchAll",
    "MatchNone",
    "PhraseQ",
    "Prefix",
    "Q",
    "Range",
    "Term",
    "TermSet",
    "compile_query",
    "day_number",
    "fold",
    "phrase_match",
    "prefix_match",
    "text_match",
    "with_acl",
]
