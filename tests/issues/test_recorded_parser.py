"""Tests for crawler/issues/recorded_parser.py: the CommonMark parser recording where links stand."""

from __future__ import annotations

import crawler.issues.recorded_parser
from crawler.issues.recorded_parser import Definition, Span, parse, span_of


def test_public_names_are_pinned() -> None:
    assert crawler.issues.recorded_parser.__all__ == ["Definition", "Span", "parse", "span_of"]


def inline_spans(text: str) -> list[tuple[str, Span]]:
    tokens, _ = parse(text)
    return [
        (child.type, span) for token in tokens for child in token.children or [] if (span := span_of(child)) is not None
    ]


def test_an_inline_link_records_its_written_destination_and_url() -> None:
    text = "see [t](<a\\_b> 'x') `code`"
    (link, code) = inline_spans(text)
    assert link == ("link_open", Span(4, 19, destination=(9, 13), url="a_b"))
    assert code == ("code_inline", Span(20, 26))
    assert text[9:13] == "a\\_b"


def test_a_reference_use_records_its_normalized_label() -> None:
    ((kind, span),) = inline_spans("![alt][The  Label]\n\n[the label]: /u")
    assert (kind, span.label, span.destination) == ("image", "THE LABEL", None)


def test_every_definition_is_recorded_duplicates_too() -> None:
    text = "[A]: /first\n[a]: </second one>\n"
    _, definitions = parse(text)
    assert definitions == [
        Definition("A", "A", "/first", text.index("/first"), text.index("/first") + 6),
        Definition("A", "a", "/second one", text.index("/second"), text.index(">")),
    ]


def test_every_scheme_is_accepted() -> None:
    ((_, span),) = inline_spans("[x](javascript:void(0))")
    assert span.url == "javascript:void(0)"
