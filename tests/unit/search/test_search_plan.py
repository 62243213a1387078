from __future__ import annotations

from search.analysis import default_analyzer
from search.plan import (
    ACL,
    BODY,
    CORR,
    DAY,
    Bool,
    MatchAll,
    MatchNone,
    PhraseQ,
    Prefix,
    Range,
    Term,
    TermSet,
    compile_query,
    text_match,
    with_acl,
)
from search.query import parse


def compiled(q: str):  # type: ignore[no-untyped-def]
    return compile_query(parse(q), default_analyzer())


def test_empty_query_matches_all() -> None:
    c = compiled("")
    assert c.ir == MatchAll() and c.match_all


def test_word_becomes_text_match_on_its_stem() -> None:
    c = compiled("Bauanträge")
    assert c.ir == text_match("bauantrag")
    assert c.terms == frozenset({"bauantrag"})
    assert c.single_word == "Bauanträge"


def test_multi_token_word_is_a_phrase() -> None:
    c = compiled("E-Mail")
    assert isinstance(c.ir, Bool)
    assert PhraseQ(BODY, ("e", "mail")) in c.ir.should


def test_filters_are_unscored_and_negations_excluded() -> None:
    c = compiled("Rechnung typ:Rechnung -Mahnung datum:2025")
    assert isinstance(c.ir, Bool)
    assert c.ir.must == (text_match("rechnung"),)
    assert Bool(filter=(Term("k_type", "rechnung"),)) in c.ir.filter
    assert any(
        isinstance(f, Bool) and isinstance(f.filter[0], Range) and f.filter[0].field == DAY
        for f in c.ir.filter
    )
    assert c.ir.must_not == (text_match("mahnung"),)
    assert c.terms == frozenset({"rechnung"})  # negated words are not highlighted
    assert c.single_word is None


def test_correspondent_filter_uses_analysed_words() -> None:
    c = compiled("von:Müller")
    assert c.ir == Bool(filter=(Term(CORR, "mull"),))
    c = compiled('von:"Müller Bau"')
    assert c.ir == Bool(filter=(PhraseQ(CORR, ("mull", "bau")),))


def test_keyword_prefix() -> None:
    assert compiled("akte:63.01*").ir == Bool(filter=(Prefix("k_akte", "63.01"),))


def test_only_exclusions_match_all_but() -> None:
    c = compiled("-Mahnung")
    assert isinstance(c.ir, Bool) and c.ir.must == (MatchAll(),)


def test_stop_words_only() -> None:
    c = compiled("und der")
    assert c.ir == MatchNone()
    assert c.notices


def test_acl_wrapping() -> None:
    q = text_match("x")
    assert with_acl(q, frozenset({"*"})) is q
    assert with_acl(q, frozenset()) == MatchNone()
    wrapped = with_acl(q, frozenset({"dept:63", "user:1"}))
    assert wrapped == Bool(must=(q,), filter=(TermSet(ACL, ("dept:63", "user:1")),))
