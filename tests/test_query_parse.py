"""The query grammar: what each construct parses to, and every syntax error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chipwatch.errors import UserError
from chipwatch.query.grammar import (
    And,
    EntityRef,
    FieldFilter,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    parse_tree,
)
from chipwatch.query.match import parse_query


def test_juxtaposition_is_and_and_or_binds_looser() -> None:
    tree = parse_tree("nvidia h20 OR amd")
    assert tree == Or(
        (And((Term("nvidia", "word", 1), Term("h20", "word", 8))), Term("amd", "word", 15))
    )


def test_explicit_and_parentheses_and_not_forms() -> None:
    tree = parse_tree("@H20 AND (export~ OR -ban) NOT rumour")
    assert isinstance(tree, And)
    entity, group, negated = tree.children
    assert entity == EntityRef("H20", 1)
    assert group == Or((Term("export", "fuzzy", 11), Not(Term("ban", "word", 23), 22)))
    assert negated == Not(Term("rumour", "word", 32), 28)


def test_phrases_entities_with_spaces_and_prefixes() -> None:
    tree = parse_tree('"export licence" @"RTX  Pro 6000" semi*')
    assert tree == And(
        (
            Term("export licence", "phrase", 1),
            EntityRef("RTX Pro 6000", 18),
            Term("semi", "prefix", 35),
        )
    )


def test_fields() -> None:
    tree = parse_tree('title:H20 feed:"Le Monde" lang:FR kind:chip')
    assert tree == And(
        (
            Term("H20", "word", 7, title_only=True),
            FieldFilter("feed", "Le Monde", 11),
            FieldFilter("lang", "fr", 27),
            FieldFilter("kind", "chip", 35),
        )
    )


def test_title_applies_to_a_group() -> None:
    tree = parse_tree("title:(h20 OR -mi308)")
    assert tree == Or(
        (
            Term("h20", "word", 8, title_only=True),
            Not(Term("mi308", "word", 16, title_only=True), 15),
        )
    )


def test_feed_value_may_be_a_url() -> None:
    assert parse_tree("feed:https://example.org/rss") == FieldFilter(
        "feed", "https://example.org/rss", 1
    )


def test_lower_case_operators_are_words_and_inner_hyphens_are_not_not() -> None:
    tree = parse_tree("rock and roll x-ray")
    assert tree == And(
        (
            Term("rock", "word", 1),
            Term("and", "word", 6),
            Term("roll", "word", 10),
            Term("x-ray", "word", 15),
        )
    )


def test_cjk_words_and_entities() -> None:
    assert parse_tree("@英伟达 出口") == And((EntityRef("英伟达", 1), Term("出口", "word", 6)))


@pytest.mark.parametrize(
    ("query", "column", "fragment"),
    [
        ("(@H20 AND", 10, "expected a term after 'AND'"),
        ("(@H20 OR h20", 1 + len("(@H20 OR h20"), 'missing ")" to close the "(" at column 1'),
        ("", 1, "the query is empty"),
        ("   ", 1, "the query is empty"),
        ("h20)", 4, 'unexpected ")"'),
        ("()", 2, "empty parentheses"),
        ('"export licence', 1, "unterminated phrase"),
        ('""', 1, "empty phrase"),
        ("OR h20", 1, "expected a term before 'OR'"),
        ("h20 OR", 7, "expected a term after 'OR'"),
        ("h20 AND OR amd", 9, "expected a term after 'AND'"),
        ("NOT", 4, "expected a term after 'NOT'"),
        ("@", 2, "expected an entity name"),
        ("@ H20", 3, "expected an entity name"),
        ("@H20~", 2, "does not apply to an @entity"),
        ("titel:h20", 1, "did you mean title:?"),
        ("source:x", 1, 'unknown field "source:"'),
        ("title:", 7, "expected a value right after title:"),
        ("title: h20", 8, "expected a value right after title:"),
        ("kind:gadget", 6, "unknown kind 'gadget'"),
        ("lang:french", 6, "not a language code"),
        ("feed:x~", 6, "does not apply to feed:"),
        ('"h20 export"~', 13, '"~" must follow a word'),
        ("h20 ~", 5, '"~" must follow a word'),
        ("!!!", 1, "is not a word"),
    ],
)
def test_syntax_errors_name_the_column(query: str, column: int, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    error = caught.value
    assert isinstance(error, UserError) and error.exit_code == 2
    assert fragment in error.message
    assert error.column == column
    message, shown, caret = str(error).split("\n")
    assert message.startswith("query: ") and f"(column {column})" in message
    assert shown == "  " + query
    assert caret == "  " + " " * (column - 1) + "^"


def test_caret_lines_up_under_wide_characters() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query("英伟达 AND")
    # three wide characters take six terminal columns, then " AND"
    assert str(caught.value).split("\n")[2] == "  " + " " * 10 + "^"


def test_newlines_in_a_query_do_not_break_the_caret_display() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query("h20\nAND")
    lines = str(caught.value).split("\n")
    assert len(lines) == 3 and lines[1] == "  h20 AND"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab H20@"()~*-: \tORANDNOTtitle:kind:chip英ＬÉ', max_size=30))
def test_any_text_parses_or_fails_with_a_located_syntax_error(query: str) -> None:
    """No query, however broken, escapes as anything but a QuerySyntaxError."""
    try:
        parsed = parse_query(query)
    except QuerySyntaxError as error:
        assert 1 <= error.column <= len(query) + 1
        assert str(error).count("\n") == 2
    else:
        from chipwatch.query.match import QueryDoc

        parsed.matches(QueryDoc("ab H20 英 title"))  # and matching never fails either
