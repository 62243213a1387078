from __future__ import annotations

from search.analysis import default_analyzer
from search.highlight import MatchMemo, match_spans, snippets


def test_marks_stems_parts_and_prefixes() -> None:
    an = default_analyzer()
    text = "Die Bauanträge und das Bauantragsformular liegen der Hauptstraße vor."
    spans = match_spans(text, frozenset({"bauantrag"}), (), an)
    assert [text[a:b] for a, b in spans] == ["Bauanträge", "Bauantragsformular"]  # inner compound
    spans = match_spans(text, frozenset({"formular"}), (), an)
    assert [text[a:b] for a, b in spans] == ["Bauantragsformular"]
    spans = match_spans(text, frozenset(), ("haupt",), an)
    assert [text[a:b] for a, b in spans] == ["Hauptstraße"]


def test_repeated_chunks_and_memo() -> None:
    an = default_analyzer()
    memo = MatchMemo()
    text = "Rechnung eins. Rechnung zwei. Rechnung"
    spans = match_spans(text, frozenset({"rechnung"}), (), an, memo)
    assert [text[a:b] for a, b in spans] == ["Rechnung"] * 3
    assert "Rechnung" in memo.positive
    assert match_spans("keine Treffer", frozenset({"rechnung"}), (), an, memo) == []


def test_snippet_window_escape_and_ellipsis() -> None:
    an = default_analyzer()
    text = ("Vorwort " * 40) + "<b>Die Rechnung</b> ist fällig. " + ("Nachwort " * 40)
    (snip,) = snippets(text, frozenset({"rechnung"}), (), an, window=80)
    assert snip.startswith("…") and snip.endswith("…")
    assert "&lt;b&gt;Die <mark>Rechnung</mark>&lt;/b&gt;" in snip
    assert len(snip) < 200


def test_two_best_windows_in_document_order() -> None:
    an = default_analyzer()
    text = "Frist A. " + "x " * 200 + "Frist B Frist C. " + "y " * 200 + "Frist D."
    result = snippets(text, frozenset({"frist"}), (), an, window=60)
    assert len(result) == 2
    assert "<mark>Frist</mark> B <mark>Frist</mark> C" in result[1]  # the densest window…
    assert "<mark>Frist</mark> A" in result[0]  # …and the first of the equally good others, in text order


def test_no_terms_no_snippets() -> None:
    assert snippets("Text", frozenset(), (), default_analyzer()) == []
