"""The parse workers' shortcuts give what they replace (issue 20, session 30).

Each fast path of the features an article is compared by (ASCII-only patterns, ...)
is checked here against the general code it stands in for.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chipwatch.clustering import text

# ASCII text the patterns care about: letters of both cases, digits, the marks that
# join or end words, spaces and line breaks.
ASCII_TEXT = st.text(alphabet=st.sampled_from("aZq9A0z_.-:'\" \n,;!?Hk1"), max_size=40)
ANY_ASCII = st.text(alphabet=st.characters(max_codepoint=127), max_size=40)


@given(st.one_of(ASCII_TEXT, ANY_ASCII))
def test_ascii_words_are_the_unicode_patterns_words(value):
    assert text._ASCII_WORD.findall(value) == text._WORD.findall(value)


@given(st.one_of(ASCII_TEXT, ANY_ASCII))
def test_ascii_name_tokens_are_the_unicode_patterns_tokens(value):
    found = [m.span() for m in text._ASCII_NAME_TOKEN.finditer(value)]
    assert found == [m.span() for m in text._NAME_TOKEN.finditer(value)]
