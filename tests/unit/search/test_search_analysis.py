from __future__ import annotations

import pytest

from search.analysis import GermanAnalyzer, default_analyzer, fold, normalize_keyword, tokenize


@pytest.fixture(scope="module")
def an() -> GermanAnalyzer:
    return default_analyzer()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Müller", "Mueller"),
        ("Straße", "Strasse"),
        ("Bauanträge", "Bauantrag"),
        ("Gebühren", "Gebuehren"),
        ("Häuser", "Haus"),
        ("Rechnungen", "Rechnung"),
        ("ÖFFNUNGSZEITEN", "öffnungszeiten"),
    ],
)
def test_equivalent_spellings_share_one_term(an: GermanAnalyzer, a: str, b: str) -> None:
    assert an.stem(a) == an.stem(b)
    assert an.stem(a) is not None


def test_fold_and_keywords() -> None:
    assert fold("Größe Ärger Übel ß") == "groesse aerger uebel ss"
    assert fold("Café Crème") == "cafe creme"
    assert normalize_keyword("  Bau   Amt ") == "bau amt"
    assert normalize_keyword("Müller") == normalize_keyword("MUELLER")


def test_tokenize_keeps_letters_and_digits() -> None:
    assert tokenize("Az. 63.01-2026/0147, E-Mail: info@stadt.de") == [
        "Az", "63", "01", "2026", "0147", "E", "Mail", "info", "stadt", "de",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("compound", "part"),
    [
        ("Bauantragsformular", "Formular"),
        ("Bauantragsformular", "Antrag"),
        ("Hundesteuerbescheid", "Bescheid"),
        ("Gewerbeanmeldung", "Anmeldung"),
        ("Straßenreinigungsgebühren", "Reinigung"),
        ("Aufenthaltserlaubnis", "Erlaubnis"),
        ("Feuerwehrhaus", "Feuerwehr"),
    ],
)
def test_decompounding_finds_parts(an: GermanAnalyzer, compound: str, part: str) -> None:
    parts = an.token(compound).parts
    assert an.stem(part) in parts


@pytest.mark.parametrize("word", ["Bescheid", "Unternehmen", "Verwaltung", "Abc", "12345678", "Kanal"])
def test_simple_words_are_not_split(an: GermanAnalyzer, word: str) -> None:
    assert an.token(word).parts == ()


def test_stop_words(an: GermanAnalyzer) -> None:
    for w in ["der", "die", "und", "für", "fuer", "über", "Dass"]:
        assert an.stem(w) is None, w
    assert an.terms("Der Antrag und die Unterlagen") == [an.stem("Antrag"), an.stem("Unterlagen")]


def test_analyze_doc_fields(an: GermanAnalyzer) -> None:
    doc = an.analyze_doc("Bauantrag", "Das Bauantragsformular, bitte!", "Müller Bau GmbH")
    assert doc.title == "bauantrag"
    assert doc.body.split() == ["bauantrag", "bauantragsformular", "bitt"]
    assert set(doc.parts.split()) >= {"bau", "antrag", "formular"}
    assert doc.correspondent.split() == [an.stem("Müller"), an.stem("Bau"), an.stem("GmbH")]


def test_analysis_is_stable_with_punctuation_and_cache(an: GermanAnalyzer) -> None:
    text = "Rechnung, Rechnung. (Rechnung) Rechnung!"
    first = an.terms(text)
    assert first == ["rechnung"] * 4
    assert an.terms(text) == first  # served from the chunk cache
    assert an.analyze_doc("", text).body == "rechnung rechnung rechnung rechnung"


def test_prefixes(an: GermanAnalyzer) -> None:
    assert an.prefixes("Bauan") == ("bauan",)
    assert "mull" in an.prefixes("Müll")
    assert an.prefixes("") == ()


def test_very_long_tokens_are_truncated(an: GermanAnalyzer) -> None:
    stem = an.stem("x" * 5000)
    assert stem is not None and len(stem) <= 64


def test_c_stemmer_agrees_with_the_reference_algorithm(an: GermanAnalyzer) -> None:
    """PyStemmer (C, fast) and snowballstemmer's pure-Python German stemmer must stem identically,
    otherwise an index built on one machine would not match queries analysed on another."""
    from snowballstemmer.german_stemmer import GermanStemmer

    from search.synthetic import generate

    reference = GermanStemmer()
    words = {fold(t) for d in generate(150, seed=3) for t in tokenize(f"{d.title} {d.content}")}
    words |= {fold(w) for w in ["Müller", "Anträge", "Straßen", "Häuser", "aktuelle", "Quellen", "Gebühren"]}
    for word in sorted(words):
        if not word.isdigit():
            assert an._stem(word) == reference.stemWord(word), word


def test_bounded_caches_give_the_same_analysis_when_they_are_emptied(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chunk caches are emptied when full, possibly in the middle of a text: the result must not
    lose the words learnt before the clear (stems and compound parts alike)."""
    import search.analysis as analysis

    text = "Bauantragsformular 17 Müller, Bauantragsformular Straße und Haushaltsplanung 2024 Kita!"
    reference = GermanAnalyzer().analyze_doc("Titel", text)
    monkeypatch.setattr(analysis, "_CACHE_LIMIT", 3)
    tiny = GermanAnalyzer()
    for _ in range(3):  # cold, then warm-with-clears
        assert tiny.analyze_doc("Titel", text) == reference
    assert tiny._chunk_clears > 0


def test_inner_compounds_are_parts_too(an: GermanAnalyzer) -> None:
    parts = an.token("Bauantragsformular").parts
    assert {an.stem("Bauantrag"), an.stem("Antragsformular"), "bau", "antrag", "formular"} <= set(parts)
    assert an.stem("Bauantragsformular") not in parts  # the whole word is the body term, not a part
    assert an.token("Gewerbeanmeldung").parts == (
        an.stem("Gewerbe"),
        an.stem("Anmeldung"),
    )  # two parts: no joins


# -- content analysis computed once at extraction and stored with the text -----------------------------
TEXT = "Bauantragsformular für die Lindenallee 17: Die Bauanträge der Müller GmbH, Straße 5, 22.07.2020."


def test_stored_content_analysis_gives_the_same_terms(an: GermanAnalyzer) -> None:
    stored = an.encode_content(TEXT)
    fresh = GermanAnalyzer()  # another process: a new instance with empty caches
    assert fresh.decode_content(TEXT, stored) == an._analyze_text(TEXT)
    assert fresh.analyze_doc("Antrag", TEXT, "Müller", stored) == an.analyze_doc("Antrag", TEXT, "Müller")
    terms, parts = fresh.decode_content(TEXT, stored) or ("", "")
    assert "formular" in parts.split() and "lindenalle" in terms.split()


@pytest.mark.parametrize(
    "other_text",
    ["Bauantragsformular für die Lindenallee 18", TEXT + " ", TEXT.replace("ü", "u"), ""],
)
def test_stored_analysis_of_another_text_is_never_used(an: GermanAnalyzer, other_text: str) -> None:
    stored = an.encode_content(TEXT)
    assert an.decode_content(other_text, stored) is None
    # the text is analysed instead: a changed content is indexed with its own terms
    assert an.analyze_doc("", other_text, "", stored) == an.analyze_doc("", other_text, "")


def test_stored_analysis_of_another_analyzer_version_is_never_used(an: GermanAnalyzer) -> None:
    class Different(GermanAnalyzer):
        pass

    other = Different()
    assert other.version != an.version
    forged = an.encode_content("Hund").replace(an.version, other.version, 1).replace("hund", "katz")
    assert other.decode_content("Hund", an.encode_content("Hund")) is None
    assert an.decode_content("Hund", forged) is None
    assert other.analyze_doc("", "Hund", "", an.encode_content("Hund")).body == "hund"


@pytest.mark.parametrize("garbage", ["", "x", "\n\n", "no stamp\nhund\n", None])
def test_malformed_stored_analysis_is_ignored(an: GermanAnalyzer, garbage: str | None) -> None:
    assert an.decode_content("Hund", garbage) is None
    assert an.analyze_doc("", "Hund", "", garbage).body == "hund"


def test_stored_analysis_handles_odd_text(an: GermanAnalyzer) -> None:
    odd = "Zeile1\nZeile2\r\n\tÄrger\u00a0ß \ud800 Ende"  # newlines, NBSP, a lone surrogate
    stored = an.encode_content(odd)
    assert an.decode_content(odd, stored) == an._analyze_text(odd)
