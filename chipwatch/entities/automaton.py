"""The multi-pattern matcher behind the tagger: every dictionary spelling, one pass.

``ahocorasick_rs`` (Rust's aho-corasick crate) scans an 80-word article
about four times faster than ``pyahocorasick``'s trie, which stays as the fallback
when the faster wheel is missing. ``find`` reports every occurrence, overlapping ones
included, ``find_longest`` only the leftmost-longest ones (fewer to check; the Rust
backend only), both as ``(key number, start, end)`` in character offsets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

try:  # pragma: no cover - which branch runs depends on the installed wheels
    import ahocorasick_rs
except ImportError:  # pragma: no cover
    ahocorasick_rs = None  # type: ignore[assignment]

BACKEND = "ahocorasick_rs" if ahocorasick_rs is not None else "pyahocorasick"


class Automaton:
    """Finds every occurrence of ``keys`` in a text (keys must be non-empty)."""

    def __init__(self, keys: Sequence[str], *, backend: str = BACKEND) -> None:
        self.keys = list(keys)
        self.backend = backend
        self._find_all: Callable[[str], list[tuple[int, int, int]]] | None = None
        # Compiled on the first search, not here: the store writer's tagger is built
        # for its entity table and tags nothing when the parse workers did (the
        # compiled dictionary is ~30 MB: docs/performance.md, issue 20's bounds).
        self.find_longest: Callable[[str], list[tuple[int, int, int]]] = self._compile_longest
        if not self.keys:
            self._find_all = self.find_longest = _nothing

    def _compile_longest(self, text: str) -> list[tuple[int, int, int]]:
        """``find_longest`` of the first search: compiles, then searches."""
        if self.backend == "ahocorasick_rs":
            self.find_longest = self._rust(self.keys, overlapping=False)
        else:
            self._find_all = self._find_all or self._trie(self.keys)
            self.find_longest = _leftmost_longest(self._find_all)
        return self.find_longest(text)

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """Every occurrence, overlapping ones included (compiled on first use: the
        tagger needs it only when the leftmost-longest pass cannot decide)."""
        if self._find_all is None:
            self._find_all = (
                self._rust(self.keys, overlapping=True)
                if self.backend == "ahocorasick_rs"
                else self._trie(self.keys)
            )
        return self._find_all(text)

    @staticmethod
    def _rust(keys: list[str], *, overlapping: bool):  # type: ignore[no-untyped-def]
        """Every occurrence (overlapping), or leftmost-longest ones that never overlap."""
        # A contiguous NFA reports the same hits in the same order as a DFA. For the
        # leftmost-longest scan of every article it searches ~0.6 us an article slower
        # (4.3 against 3.7 us on realnews), but builds in ~15 ms instead of ~70 (on a
        # first import's critical path, before the workers fork) and holds 1 MB
        # instead of 34.
        if not overlapping:
            return ahocorasick_rs.AhoCorasick(
                keys,
                matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                implementation=ahocorasick_rs.Implementation.ContiguousNFA,
            ).find_matches_as_indexes
        # Every occurrence: the exhaustive scan's, for the few articles the fast one
        # cannot decide (~0.5 %); each parse worker builds its own.
        search = ahocorasick_rs.AhoCorasick(
            keys,
            matchkind=ahocorasick_rs.MatchKind.Standard,
            implementation=ahocorasick_rs.Implementation.ContiguousNFA,
        ).find_matches_as_indexes

        def find(text: str) -> list[tuple[int, int, int]]:
            return search(text, overlapping=True)

        return find

    @staticmethod
    def _trie(keys: list[str]):  # type: ignore[no-untyped-def]
        import ahocorasick

        automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
        for number, key in enumerate(keys):
            automaton.add_word(key, (number, len(key)))
        automaton.make_automaton()
        iterate = automaton.iter

        def find(text: str) -> list[tuple[int, int, int]]:
            return [(n, last + 1 - size, last + 1) for last, (n, size) in iterate(text)]

        return find


def _nothing(text: str) -> list[tuple[int, int, int]]:
    return []


def _leftmost_longest(find_all: Callable[[str], list[tuple[int, int, int]]]):  # type: ignore[no-untyped-def]
    """Leftmost-longest, non-overlapping hits derived from every occurrence."""

    def find_longest(text: str) -> list[tuple[int, int, int]]:
        kept = []
        last_end = -1
        for hit in sorted(find_all(text), key=lambda h: (h[1], -h[2])):
            if hit[1] >= last_end:
                kept.append(hit)
                last_end = hit[2]
        return kept

    return find_longest
