"""The Elasticsearch adapter's pure parts (query DSL, template, source) — no server needed."""

from __future__ import annotations

from search.backends.elasticsearch_backend import index_template, translate
from search.plan import (
    Bool,
    Boost,
    MatchAll,
    MatchNone,
    PhraseQ,
    Prefix,
    Range,
    Term,
    TermSet,
)


def test_translate_nodes() -> None:
    assert translate(MatchAll()) == {"bool": {"filter": [{"match_all": {}}]}}
    assert translate(MatchNone()) == {"match_none": {}}
    assert translate(Term("body", "x")) == {"term": {"body": {"value": "x"}}}
    assert translate(TermSet("acl", ("a", "b"))) == {"terms": {"acl": ["a", "b"]}}
    assert translate(Prefix("k_akte", "63.01")) == {"prefix": {"k_akte": {"value": "63.01"}}}
    assert translate(PhraseQ("body", ("a", "b"))) == {
        "match_phrase": {"body": {"query": "a b", "analyzer": "whitespace"}}
    }
    assert translate(Range("day", 1, None)) == {"range": {"day": {"gte": 1}}}
    assert translate(Boost(Term("title", "x"), 2.0)) == {
        "bool": {"must": [{"term": {"title": {"value": "x"}}}], "boost": 2.0}
    }


def test_translate_bool() -> None:
    q = Bool(
        must=(Term("a", "1"),), should=(Term("b", "2"),), must_not=(Term("c", "3"),), filter=(Term("d", "4"),)
    )
    assert translate(q) == {
        "bool": {
            "must": [{"term": {"a": {"value": "1"}}}],
            "filter": [{"term": {"d": {"value": "4"}}}],
            "should": [{"term": {"b": {"value": "2"}}}],
            "must_not": [{"term": {"c": {"value": "3"}}}],
        }
    }
    assert translate(Bool(must_not=(Term("c", "3"),)))["bool"]["must"] == [{"match_all": {}}]


def test_template_is_strict_and_whitespace_analysed() -> None:
    t = index_template("aw")
    assert t["index_patterns"] == ["aw-*"]
    mapping = t["template"]["mappings"]
    assert mapping["dynamic"] == "strict"
    props = mapping["properties"]
    assert props["body"]["analyzer"] == "whitespace"
    assert props["acl"]["type"] == "keyword"
    assert props["src"]["enabled"] is False
