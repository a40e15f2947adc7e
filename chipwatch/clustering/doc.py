"""What clustering compares of one article: a :class:`Doc`, and its features by kind."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from chipwatch.clustering.action_pairs import ActionPairs
from chipwatch.clustering.actions import ActionMention
from chipwatch.clustering.features import action_key

# Feature kinds: identities (always looked up), then the blocking kinds.
PREFIXES = ("u:", "g:", "t:", "e:", "n:", "p:", "w:", "a:")


@dataclass(slots=True)
class Doc:
    """What clustering compares of one article."""

    article_id: int
    story_id: int
    feed_id: int
    lang: str
    published: float  # POSIX seconds
    title: str  # normalized, entities masked to canonical names ("" when none was given)
    title_key: str
    url: str
    guid: str
    entities: dict[str, str]  # canonical name -> kind
    words: frozenset[str]
    numbers: frozenset[str]
    names: frozenset[str] = frozenset()  # name-like words the tagger does not know
    norms: tuple[int, float, float] = (-(1 << 40), 0.0, 0.0)  # (stamp, words, entities)
    key: str = ""  # the article's identity (guid, URL or hash): ties are broken by it
    actions: tuple[ActionMention, ...] = ()  # what happened
    primary: tuple[ActionMention, ...] = ()  # of which, what the article is about
    slack: float = 0.0  # seconds the published time may be off
    credit: str = ""  # wire service credited
    host: str = ""  # the link's host
    actors: frozenset[str] = frozenset()  # who its headline names
    # Computed once when first read (the actions never change): scoring's view of
    # the actions (:mod:`.action_pairs`) and the action keys.
    action_pairs: ActionPairs | None = field(default=None, compare=False, repr=False)
    keys_of_actions: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def action_keys(self) -> tuple[str, ...]:
        """The actions as indexed keys (``class|object``), each once."""
        keys = self.keys_of_actions
        if keys is None:
            keys = self.keys_of_actions = tuple(
                dict.fromkeys(action_key(mention) for mention in self.actions)
            )
        return keys

    @property
    def features(self) -> tuple[str, ...]:
        """Every indexed feature, each as ``kind:text`` (``u:`` URL, ``g:`` guid,
        ``t:`` title key, ``e:`` entity, ``n:`` figure, ``p:`` name, ``w:`` word,
        ``a:`` action)."""
        return tuple(
            prefix + key
            for prefix, keys in zip(PREFIXES, self.keyed(), strict=True)
            for key in keys
        )

    def keyed(self) -> tuple[Iterable[str], ...]:
        """The doc's keys of each feature kind, in :data:`PREFIXES` order."""
        return (
            (self.url,) if self.url else (),
            (self.guid,) if self.guid else (),
            (self.title_key,) if self.title_key else (),
            self.entities,
            self.numbers,
            self.names,
            self.words,
            self.action_keys,
        )

    def copy(self) -> Doc:
        """The same article for another index, without its cached weight totals."""
        return Doc(
            self.article_id,
            self.story_id,
            self.feed_id,
            self.lang,
            self.published,
            self.title,
            self.title_key,
            self.url,
            self.guid,
            self.entities,
            self.words,
            self.numbers,
            self.names,
            key=self.key,
            actions=self.actions,
            primary=self.primary,
            slack=self.slack,
            credit=self.credit,
            host=self.host,
            actors=self.actors,
        )
