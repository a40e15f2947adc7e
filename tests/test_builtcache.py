"""Built data kept on disk (chipwatch.builtcache): a kept build equals a fresh one, a bad
file is built again and replaced, the key follows every input, the folder stays bounded."""

from __future__ import annotations

import ast
import marshal
import shutil
import tomllib
from pathlib import Path

import pytest

from chipwatch import builtcache
from chipwatch.clustering import action_words
from chipwatch.clustering.action_grammar import builtin_action_grammar
from chipwatch.config import EntityConfig
from chipwatch.entities import tagger as tagger_module
from chipwatch.entities.tagger import Tagger, _kept_key, builtin_entities

PACKAGE = Path(builtcache.__file__).resolve().parent
SAMPLE = (
    "Nvidia's H20 and the RTX Pro 6000D: export licences for Huawei Ascend 950PR",
    "美国商务部 restricted exports of HBM to China; DeepSeek-V3.1 runs on 昇腾 910C.",
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own."""
    monkeypatch.setenv("CHIPWATCH_CACHE", str(tmp_path / "built"))
    return tmp_path / "built"


def tables(tagger: Tagger) -> dict[str, object]:
    tagger._build_tables()
    return {name: tagger.__dict__[name] for name in tagger_module._TABLES - {"_automaton"}}


def kept_tagger(additions: tuple[EntityConfig, ...] = ()) -> Tagger:
    return Tagger(builtin_entities(), kept_as=_kept_key(additions))


def test_a_kept_tagger_has_the_tables_names_and_tags_of_a_fresh_build(folder: Path) -> None:
    fresh = Tagger(builtin_entities())
    first = kept_tagger()  # builds, and keeps
    tables(first)
    key = _kept_key(())
    assert {p.name for p in folder.glob("tagger*")} == {
        f"tagger-{key}.marshal",
        f"tagger-names-{key}.marshal",
    }
    second = kept_tagger()  # loads
    for kept in (first, second):
        assert tables(kept) == tables(fresh)
        assert kept._names == fresh._names
        assert kept.tag(*SAMPLE) == fresh.tag(*SAMPLE)
        assert kept.resolve("ascend 950pr") == fresh.resolve("ascend 950pr")


def test_the_action_words_and_the_toml_data_kept_equal_fresh_ones(folder: Path) -> None:
    grammar = builtin_action_grammar()
    fresh = action_words._keys(grammar)
    for _ in range(2):  # built and kept, then loaded
        scanner = action_words.WordScanner(grammar, -1, builtin=True)
        assert scanner._keys == fresh
        assert list(scanner._keys) == list(fresh)  # the automaton's key order too
    text = (PACKAGE / "clustering" / "actions.toml").read_text("utf-8")
    for _ in range(2):
        assert builtcache.parsed_toml("test-actions", text) == tomllib.loads(text)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one bit flipped
        lambda data: b"\x00" * 16 + marshal.dumps(("other", [1, 2])),  # foreign
    ],
    ids=["empty", "truncated", "corrupt", "foreign"],
)
def test_a_bad_file_is_built_again_and_replaced(folder: Path, spoil) -> None:  # type: ignore[no-untyped-def]
    built = []

    def build() -> list[int]:
        built.append(1)
        return [1, 2, 3]

    assert builtcache.cached("kind", "k1", build, lambda v: True) == [1, 2, 3]
    path = folder / "kind-k1.marshal"
    path.write_bytes(spoil(path.read_bytes()))
    assert builtcache.cached("kind", "k1", build, lambda v: True) == [1, 2, 3]
    assert len(built) == 2
    assert builtcache.load("kind", "k1") == [1, 2, 3]  # replaced by a good one


def test_a_file_under_another_key_or_of_another_shape_is_not_used(folder: Path) -> None:
    builtcache.store("kind", "k1", [1])
    (folder / "kind-k1.marshal").rename(folder / "kind-k2.marshal")
    assert builtcache.load("kind", "k2") is None
    builtcache.store("kind", "k3", {"not": "a list"})
    assert builtcache.cached("kind", "k3", lambda: [3], lambda v: type(v) is list) == [3]
    assert builtcache.load("kind", "k3") == [3]


def test_the_key_changes_with_the_data_the_code_and_the_user_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "chipwatch"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(builtcache, "_PACKAGE", copy)
    first = _kept_key(())
    assert _kept_key(()) == first
    assert _kept_key((EntityConfig(name="Acme", kind="company"),)) != first
    for name in ("entities/entities.toml", "entities/tables.py", "matchfold.py"):
        path = copy / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert _kept_key(()) != first, name
        path.write_bytes(original)
    assert _kept_key(()) == first
    words = builtcache.build_key([], action_words.BUILT_FROM)
    (copy / "clustering" / "actions.toml").write_bytes(b"# changed\n")
    assert builtcache.build_key([], action_words.BUILT_FROM) != words


def test_a_package_file_that_cannot_be_read_means_building_and_keeping_nothing(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(builtcache, "_PACKAGE", tmp_path / "not-there")
    assert _kept_key(()) is None
    tagger = Tagger(builtin_entities(), kept_as=None)
    assert tagger.tag(*SAMPLE) == kept_tagger().tag(*SAMPLE)
    assert builtcache.cached("kind", None, lambda: [1], lambda v: True) == [1]
    assert not folder.exists()


def test_each_kind_keeps_its_newest_files_only(folder: Path) -> None:
    for number in range(builtcache.KEEP + 3):
        builtcache.store("kind", f"k{number}", [number])
    builtcache.store("other", "k0", [0])
    builtcache.store("kind-names", "k0", [0])  # another kind whose name starts alike
    builtcache.store("kind", f"k{builtcache.KEEP + 2}", [0])  # bounds "kind" again
    kept = sorted(p.name for p in folder.glob("kind-k*"))
    assert len(kept) == builtcache.KEEP
    assert f"kind-k{builtcache.KEEP + 2}.marshal" in kept
    assert (folder / "other-k0.marshal").exists()
    assert (folder / "kind-names-k0.marshal").exists()
    assert not list(folder.glob(".*.tmp"))


def test_an_unwritable_folder_only_means_building(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("CHIPWATCH_CACHE", str(blocker / "built"))
    assert builtcache.cached("kind", "k", lambda: [1], lambda v: True) == [1]
    assert builtcache.parsed_toml("kind", "a = 1") == {"a": 1}


@pytest.mark.parametrize(
    ("module", "built_from"),
    [
        ("chipwatch.entities.tagger", tagger_module.BUILT_FROM),
        ("chipwatch.clustering.action_words", action_words.BUILT_FROM),
    ],
)
def test_the_key_covers_every_module_the_builder_imports(
    module: str, built_from: tuple[str, ...]
) -> None:
    """A module missing from BUILT_FROM could change the tables without changing the key."""
    covered = {p.relative_to(PACKAGE) for p in builtcache._expanded(built_from)}
    missing = sorted(str(f) for f in _imported(module) if f.relative_to(PACKAGE) not in covered)
    assert missing == []


def _imported(root: str) -> set[Path]:
    """The files of ``root`` and of every chipwatch module it imports, transitively
    (package ``__init__`` files included)."""
    seen: set[Path] = set()
    stack = [root]
    while stack:
        name = stack.pop()
        for parent in _parents(name):
            path = _file(parent)
            if path is None or path in seen:
                continue
            seen.add(path)
            stack += _imports(path)
    return seen


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: n + 1]) for n in range(len(parts))]


def _file(name: str) -> Path | None:
    base = PACKAGE.parent / name.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chipwatch"):
            assert node.module is not None
            found += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("chipwatch")]
    return found
