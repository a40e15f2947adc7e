"""The query language's grammar: text → a tree of nodes, or one clear error.

::

    query    := or_expr
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := unary (["AND"] unary)*          # juxtaposition is AND
    unary    := ("NOT" | "-") unary | primary
    primary  := "(" or_expr ")" | term
    term     := "@" (NAME | PHRASE)              # an entity by name or alias
              | "title:" (WORD | PHRASE | "(" or_expr ")")
              | ("feed:" | "lang:" | "kind:") (WORD | PHRASE)
              | PHRASE | WORD ["~" | "*"]

Operators are upper-case (``and``/``or``/``not`` in lower case are words). Columns in
errors are 1-based and count characters, as a reader counts them.

A query has at most :data:`MAX_DEPTH` levels of parentheses and :data:`MAX_TERMS` terms:
past either it is a :class:`QuerySyntaxError` at the column where the limit was passed,
never a RecursionError, and every query within them compiles to SQL that SQLite accepts
(``store.search`` keeps its expressions shallow). ``NOT NOT x`` is ``x``: a chain of
negations is read in a loop and folded, however long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chipwatch.errors import UserError
from chipwatch.model import ENTITY_KINDS

FIELDS = ("title", "feed", "lang", "kind")
MAX_DEPTH = 16  # levels of parentheses: hand-written queries use two or three
MAX_TERMS = 1000  # words, phrases, @entities and field filters in one query


class QuerySyntaxError(UserError):
    """A query cannot be read. ``str()`` is the message, the query and a caret line."""

    def __init__(self, message: str, query: str, column: int) -> None:
        self.message = message
        self.query = query
        self.column = column  # 1-based
        super().__init__(self.render())

    def render(self) -> str:
        """The message, then the query with a caret under the offending column."""
        shown, before = query_excerpt(self.query, self.column)
        caret = " " * display_width(before)
        return f"query: {self.message} (column {self.column})\n  {shown}\n  {caret}^"


def query_display(query: str) -> str:
    """The query on one line: tabs and newlines become spaces so the caret lines up."""
    return "".join(" " if ch in "\t\r\n" else ch for ch in query)


EXCERPT = 72  # characters of a long query shown around an error's column


def query_excerpt(query: str, column: int) -> tuple[str, str]:
    """The query on one line, cut to about :data:`EXCERPT` characters around ``column``
    (``…`` marks a cut), and the part of it before the column (to place a caret)."""
    shown = query_display(query)
    if len(shown) <= EXCERPT:
        return shown, shown[: column - 1]
    start = max(0, min(column - 1 - EXCERPT // 2, len(shown) - EXCERPT))
    end = start + EXCERPT
    head = "…" if start > 0 else ""
    tail = "…" if end < len(shown) else ""
    return head + shown[start:end] + tail, head + shown[start : column - 1]


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: wide (CJK, fullwidth) characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# --------------------------------------------------------------------------- nodes


@dataclass(frozen=True, slots=True)
class Term:
    """A word, phrase, fuzzy word (``word~``) or prefix (``word*``).

    ``mode`` is ``word``, ``phrase``, ``fuzzy`` or ``prefix``; ``title_only`` limits it
    to titles (``title:``).
    """

    text: str
    mode: str
    column: int
    title_only: bool = False


@dataclass(frozen=True, slots=True)
class EntityRef:
    """``@Name``: an entity by canonical name or alias; ``names`` once resolved."""

    name: str
    column: int
    names: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """``feed:``, ``lang:`` or ``kind:`` with its value."""

    field: str
    value: str
    column: int


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    column: int = 0


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...] = field(default_factory=tuple)


Node = Term | EntityRef | FieldFilter | Not | And | Or


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # LPAREN RPAREN AND OR NOT MINUS AT FIELD PHRASE WORD END
    text: str
    column: int  # 1-based
    suffix: str = ""  # "~" or "*" right after a word


_SPECIAL = '()"@'
_OPERATORS = {"AND", "OR", "NOT"}
_FIELD = re.compile(r"([A-Za-z]+):")


def tokenize(query: str) -> list[Token]:
    """Split a query into tokens; raises :class:`QuerySyntaxError` on a broken quote."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(query):
        ch = query[pos]
        if ch.isspace():
            pos += 1
        elif ch in "()":
            tokens.append(Token("LPAREN" if ch == "(" else "RPAREN", ch, pos + 1))
            pos += 1
        elif ch == '"':
            pos = _phrase(query, pos, tokens)
        elif ch == "@":
            tokens.append(Token("AT", ch, pos + 1))
            pos += 1
        elif ch == "-" and _starts_term(query, pos + 1) and _after_break(query, pos):
            tokens.append(Token("MINUS", ch, pos + 1))
            pos += 1
        else:
            pos = _word(query, pos, tokens)
    tokens.append(Token("END", "", len(query) + 1))
    return tokens


def _starts_term(query: str, pos: int) -> bool:
    return pos < len(query) and not query[pos].isspace() and query[pos] != ")"


def _after_break(query: str, pos: int) -> bool:
    return pos == 0 or query[pos - 1].isspace() or query[pos - 1] == "("


def _phrase(query: str, pos: int, tokens: list[Token]) -> int:
    end = query.find('"', pos + 1)
    if end < 0:
        raise QuerySyntaxError('unterminated phrase: a closing " is missing', query, pos + 1)
    tokens.append(Token("PHRASE", query[pos + 1 : end], pos + 1))
    return end + 1


def _word(query: str, pos: int, tokens: list[Token]) -> int:
    after_field = bool(tokens) and tokens[-1].kind == "FIELD"
    field_match = None if after_field else _FIELD.match(query, pos)
    if field_match:
        tokens.append(Token("FIELD", field_match.group(1), pos + 1))
        return field_match.end()
    end = pos
    while end < len(query) and not query[end].isspace() and query[end] not in _SPECIAL:
        end += 1
    text = query[pos:end]
    suffix = ""
    if text.endswith(("~", "*")) and len(text) > 1:
        text, suffix = text[:-1], text[-1]
    if text in _OPERATORS and not suffix:
        tokens.append(Token(text, text, pos + 1))
    else:
        tokens.append(Token("WORD", text, pos + 1, suffix))
    return end


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = tokenize(query)
        self.index = 0
        self.depth = 0  # parentheses open around the current token
        self.terms = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def error(self, message: str, column: int | None = None) -> QuerySyntaxError:
        return QuerySyntaxError(message, self.query, column or self.token.column)

    def parse(self) -> Node:
        if self.token.kind == "END":
            raise self.error('the query is empty: write a word, a "phrase" or an @Entity', 1)
        node = self.or_expr()
        if self.token.kind == "RPAREN":
            raise self.error('unexpected ")": no "(" is open here')
        if self.token.kind != "END":  # pragma: no cover - every token starts a term
            raise self.error(f"unexpected {self.token.text!r}")
        return node

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while self.token.kind == "OR":
            operator = self.advance()
            children.append(self.and_expr(after=operator))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self, after: Token | None = None) -> Node:
        children = [self.unary(after)]
        while self.token.kind not in ("OR", "RPAREN", "END"):
            operator = self.advance() if self.token.kind == "AND" else None
            children.append(self.unary(operator))
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self, after: Token | None = None) -> Node:
        # A loop, not recursion: 10,000 NOTs cost nothing, and NOT NOT x is x.
        negations: list[Token] = []
        while self.token.kind in ("NOT", "MINUS"):
            negations.append(self.advance())
        node = self.primary(negations[-1] if negations else after)
        return Not(node, negations[0].column) if len(negations) % 2 else node

    def primary(self, after: Token | None) -> Node:
        token = self.token
        if token.kind in ("END", "RPAREN", "OR", "AND"):
            raise self.error(self._missing_term(token, after))
        if token.kind == "LPAREN":
            return self.group()
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.error(
                f"too many terms: a query holds at most {MAX_TERMS} words, phrases, "
                "@entities and filters; split it into several watches or searches"
            )
        if token.kind == "AT":
            return self.entity()
        if token.kind == "FIELD":
            return self.field()
        self.advance()
        if token.kind == "PHRASE":
            return self.phrase(token)
        return self.word(token)

    def _missing_term(self, token: Token, after: Token | None) -> str:
        what = "the end of the query" if token.kind == "END" else repr(token.text)
        if after is not None:
            return f"expected a term after {after.text!r}, found {what}"
        if token.kind == "RPAREN":
            return 'unexpected ")": no "(" is open here'
        return f"expected a term before {what}"

    def group(self) -> Node:
        opening = self.advance()
        if self.depth >= MAX_DEPTH:
            raise self.error(
                f"too deeply nested: at most {MAX_DEPTH} levels of parentheses", opening.column
            )
        if self.token.kind == "RPAREN":
            raise self.error("empty parentheses: put a term inside ( )")
        self.depth += 1
        node = self.or_expr()
        self.depth -= 1
        if self.token.kind != "RPAREN":
            raise self.error(f'missing ")" to close the "(" at column {opening.column}')
        self.advance()
        return node

    def entity(self) -> EntityRef:
        at = self.advance()
        token = self.token
        if token.kind not in ("WORD", "PHRASE") or token.column != at.column + 1:
            raise self.error(
                'expected an entity name right after "@", e.g. @H20 or @"RTX Pro 6000"'
            )
        self.advance()
        if token.suffix:
            raise self.error(f'"{token.suffix}" does not apply to an @entity', token.column)
        name = " ".join(token.text.split())
        if not name:
            raise self.error("the entity name is empty", token.column)
        return EntityRef(name, at.column)

    def field(self) -> Node:
        name_token = self.advance()
        name = name_token.text.lower()
        if name not in FIELDS:
            raise self.error(_unknown_field(name_token.text), name_token.column)
        value = self.token
        adjacent = value.column == name_token.column + len(name_token.text) + 1
        if name == "title" and value.kind == "LPAREN" and adjacent:
            return _title_only(self.group())
        if value.kind not in ("WORD", "PHRASE") or not adjacent:
            raise self.error(f"expected a value right after {name}:", value.column)
        self.advance()
        if name == "title":
            term = self.phrase(value) if value.kind == "PHRASE" else self.word(value)
            return _title_only(term)
        if value.suffix:
            raise self.error(f'"{value.suffix}" does not apply to {name}:', value.column)
        return FieldFilter(name, self.check_field_value(name, value), name_token.column)

    def check_field_value(self, name: str, value: Token) -> str:
        text = value.text.strip()
        if not text:
            raise self.error(f"{name}: needs a value", value.column)
        if name == "kind" and text.lower() not in ENTITY_KINDS:
            allowed = ", ".join(ENTITY_KINDS)
            raise self.error(f"unknown kind {text!r}; kinds are {allowed}", value.column)
        if name == "lang" and not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]+)?", text):
            raise self.error(f"{text!r} is not a language code like en or fr", value.column)
        return text.lower() if name in ("kind", "lang") else text

    def phrase(self, token: Token) -> Term:
        if not token.text.strip():
            raise self.error("empty phrase: put words between the quotes", token.column)
        return Term(" ".join(token.text.split()), "phrase", token.column)

    def word(self, token: Token) -> Term:
        if token.text in ("~", "*"):
            raise self.error(
                f'"{token.text}" must follow a word, as in licence~ or export*', token.column
            )
        if not token.text or not any(ch.isalnum() for ch in token.text):
            raise self.error(
                f"{token.text + token.suffix!r} is not a word to search for", token.column
            )
        mode = {"~": "fuzzy", "*": "prefix"}.get(token.suffix, "word")
        return Term(token.text, mode, token.column)


def _title_only(node: Node) -> Node:
    """Limit every word and phrase under ``node`` to titles."""
    if isinstance(node, Term):
        return Term(node.text, node.mode, node.column, title_only=True)
    if isinstance(node, Not):
        return Not(_title_only(node.child), node.column)
    if isinstance(node, And):
        return And(tuple(_title_only(c) for c in node.children))
    if isinstance(node, Or):
        return Or(tuple(_title_only(c) for c in node.children))
    return node


def _unknown_field(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name.lower(), FIELDS, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}:?" if close else ""
    known = ", ".join(f"{f}:" for f in FIELDS)
    return f'unknown field "{name}:" (fields are {known}; quote it to search the text){hint}'


def parse_tree(query: str) -> Node:
    """Parse ``query`` into its tree; raises :class:`QuerySyntaxError`."""
    return _Parser(query).parse()
