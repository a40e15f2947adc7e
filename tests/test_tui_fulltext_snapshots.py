"""SVG snapshots of the reader view at 80x24 and 160x48 (fixed clock, the page text in
the store, no network), in colour and with NO_COLOR (tests/conftest.py).

Update after a deliberate visual change with ``pytest tests/test_tui_fulltext_snapshots.py
--snapshot-update`` and look at the SVGs in tests/__snapshots__/ before committing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from chipwatch.ingest.pages import extractor_name
from chipwatch.model import ArticleText, TextStatus
from chipwatch.store.db import open_db, write_transaction
from chipwatch.store.fulltext import save_texts
from tests.test_tui import build
from tests.test_tui_snapshots import keys
from tests.tui_seed import SEED_NOW, build_seed_store, seed_config

H20_STORY = "US lets NVIDIA restart H20 shipments to China"
# Written for this test: what a wire report's page might hold beyond its teaser.
PARAGRAPHS = (
    "Die US-Regierung will Nvidia die nötigen Exportlizenzen für den KI-Beschleuniger H20 "
    "erteilen. Damit endet eine dreimonatige Lieferpause, die den Konzern Milliarden gekostet hat.",
    "Firmenchef Jensen Huang hielt sich zum Zeitpunkt der Ankündigung in Peking auf. Er rechnet "
    "damit, dass die Auslieferungen bald beginnen, räumte aber ein, dass die Fertigung erst "
    "wieder hochgefahren werden muss.",
    "Auch der Konkurrent AMD geht davon aus, seinen Beschleuniger MI308 bald wieder nach China "
    "verkaufen zu dürfen. Beide Unternehmen hatten im Frühjahr hohe Abschreibungen auf "
    "Lagerbestände vorgenommen.",
    "Kritiker im US-Kongress warnen, dass China die Chips für militärische Anwendungen nutzen "
    "könnte; Branchenbeobachter sehen in der Kehrtwende ein Zugeständnis im Handelsstreit.",
)


def first_article(db) -> tuple[int, str]:
    return db.execute(
        "SELECT a.id, a.url FROM articles a JOIN stories s ON s.id = a.story_id "
        "WHERE s.title = ? ORDER BY a.published, a.id LIMIT 1",
        [H20_STORY],
    ).fetchone()


@pytest.fixture
def app(tmp_path: Path):
    """The seeded monitor; the H20 story's first article's page text already stored."""
    db_path = build_seed_store(tmp_path / "seed.db")
    db = open_db(db_path)
    try:
        _, url = first_article(db)
        text = ArticleText(
            url=url,
            status=TextStatus.OK,
            fetched_at=SEED_NOW - timedelta(minutes=3),
            extractor=extractor_name(),
            text="\n\n".join(PARAGRAPHS),
            http_status=200,
        )
        with write_transaction(db):
            save_texts(db, [text])
    finally:
        db.close()
    return build((seed_config(tmp_path / "config.toml"), db_path))


def without_link(app):
    db = open_db(app.db_path)
    try:
        article_id, _ = first_article(db)
        with write_transaction(db):
            db.execute("UPDATE articles SET url = '' WHERE id = ?", [article_id])
    finally:
        db.close()
    return app


def test_reader_small(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys("v"))


def test_reader_large(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(160, 48), run_before=keys("v"))


def test_reader_without_a_page_shows_the_summary(app, snap_compare) -> None:
    assert snap_compare(without_link(app), terminal_size=(80, 24), run_before=keys("v"))
