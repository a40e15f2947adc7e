"""Neighbouring developments the demo replay taught (issue 18): a speech that names the
chip in passing, a share-price record and a rival's restart. Each pair is scored from
real text through the real tagger, features and scorer; the story-level reading is
the settle pass's :class:`~chipwatch.clustering.settle_profile.Profile`.

Every sentence here is written for chipwatch.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chipwatch.clustering.candidates import CandidateIndex, Doc
from chipwatch.clustering.documents import build_doc
from chipwatch.clustering.scoring import Rules, score_pair
from chipwatch.clustering.settle_profile import Profile
from chipwatch.clustering.signals import merged_weights
from chipwatch.entities.tagger import Tagger, build_tagger
from chipwatch.model import Article

HOUR = 3600.0
RULES = Rules(window=72 * HOUR, long_window=168 * HOUR, time_scale=96 * HOUR, threshold=0.4)
NOON = datetime(2025, 7, 15, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return build_tagger()


def _doc(tagger: Tagger, n: int, lang: str, title: str, summary: str, hours: float = 0) -> Doc:
    when = NOON + timedelta(hours=hours)
    article = Article(
        key=f"k{n}",
        feed_url=f"https://feed{n}.example.org/",
        title=title,
        summary=summary,
        url=f"https://feed{n}.example.org/{n}",
        published=when,
        fetched_at=when,
        lang=lang,
    )
    return build_doc(n, n, n, article, tagger.tag(title, summary))


RESUMPTION = (
    "Nvidia to resume H20 sales to China as US promises licences",
    "Nvidia said Washington has assured it that export licences for the H20 will be "
    "granted, and that it hopes to ship again soon.",
)


def test_a_speech_at_an_expo_that_names_the_chip_in_passing_is_no_report_of_the_resumption(
    tagger: Tagger,
) -> None:
    resumption = _doc(tagger, 1, "en", *RESUMPTION)
    speech = _doc(
        tagger,
        2,
        "fr",
        "À Pékin, Jensen Huang vante les modèles d'IA chinois",
        "Au salon de la chaîne d'approvisionnement, le patron de Nvidia a salué les "
        "modèles chinois. Il a dit espérer livrer des puces H20 dès que les licences "
        "américaines seront délivrées.",
        hours=20,
    )
    assert [m.action for m in speech.primary] == ["setting.appearance"]
    index = CandidateIndex(horizon_seconds=1e9)
    for doc in (resumption, speech):
        index.add(doc)
    pair = score_pair(speech, resumption, index, merged_weights({}), RULES)
    assert pair.score < RULES.threshold, pair.parts
    assert Profile.of([speech]).conflicts(Profile.of([resumption]))


def test_a_launch_at_a_trade_show_is_still_a_launch(tagger: Tagger) -> None:
    launch = _doc(
        tagger,
        3,
        "de",
        "Huawei stellt auf seiner Hausmesse neue Ascend-Chips vor",
        "",
    )
    assert {m.action for m in launch.primary} == {"product.launch", "setting.appearance"}
    # The setting counts only for a lead that states no act (the tie would pick it).
    assert Profile.of([launch]).main() == "product.launch"


def test_a_share_record_and_a_rivals_restart_are_two_developments(tagger: Tagger) -> None:
    record = _doc(
        tagger,
        4,
        "en",
        "Nvidia shares hit a record as investors cheer the H20's return",
        "AMD shares also rose after it said MI308 shipments would follow.",
    )
    restart = _doc(
        tagger,
        5,
        "en",
        "AMD to resume MI308 shipments to China",
        "AMD said licence applications for the MI308 will be reviewed, a day after "
        "Nvidia's H20 announcement.",
        hours=3,
    )
    assert Profile.of([record]).main() == "market.rally"
    assert Profile.of([restart]).main() == "sales.resumed"
    assert Profile.of([record]).conflicts(Profile.of([restart]))
