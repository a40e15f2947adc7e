"""A deterministic generator of synthetic semiconductor news feeds.

The same ``seed`` and size always give byte-identical files. Articles are grouped
into *events* (one real-world happening); each event is retold by one to several
outlets, in several languages, with reworded titles, shuffled clauses and the odd
misspelling, so the clustering and tagging stages see realistic near-duplicates.
Feeds are written as RSS 2.0 and Atom 1.0 files, alternating, into a directory.

All wording here is written for this project from a small vocabulary of facts.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from chipwatch.model import Article

START = datetime(2025, 1, 1, tzinfo=UTC)

COMPANIES = (
    "NVIDIA",
    "AMD",
    "Intel",
    "TSMC",
    "Samsung",
    "SK hynix",
    "Micron",
    "ASML",
    "Applied Materials",
    "Lam Research",
    "Tokyo Electron",
    "SMIC",
    "Huawei",
    "Qualcomm",
    "Broadcom",
    "Arm",
    "GlobalFoundries",
    "Infineon",
    "Rapidus",
    "Cambricon",
    "Hua Hong",
    "YMTC",
    "CXMT",
    "Kioxia",
    "MediaTek",
)
CHIPS = (
    "H20",
    "H100",
    "H200",
    "B200",
    "B30A",
    "MI308",
    "MI300X",
    "Gaudi 3",
    "Ascend 910C",
    "HBM3E",
    "HBM4",
    "RTX Pro 6000",
    "H800",
    "A800",
    "Snapdragon X",
    "Kirin 9010",
)
PLACES = {
    "en": (
        "China",
        "the United States",
        "Japan",
        "the Netherlands",
        "Taiwan",
        "South Korea",
        "Germany",
        "India",
        "Malaysia",
        "Singapore",
    ),
    "fr": (
        "la Chine",
        "les États-Unis",
        "le Japon",
        "les Pays-Bas",
        "Taïwan",
        "la Corée du Sud",
        "l'Allemagne",
        "l'Inde",
        "la Malaisie",
        "Singapour",
    ),
    "de": (
        "China",
        "die USA",
        "Japan",
        "die Niederlande",
        "Taiwan",
        "Südkorea",
        "Deutschland",
        "Indien",
        "Malaysia",
        "Singapur",
    ),
    "es": (
        "China",
        "Estados Unidos",
        "Japón",
        "los Países Bajos",
        "Taiwán",
        "Corea del Sur",
        "Alemania",
        "India",
        "Malasia",
        "Singapur",
    ),
    "zh": ("中国", "美国", "日本", "荷兰", "台湾", "韩国", "德国", "印度", "马来西亚", "新加坡"),
    "ja": (
        "中国",
        "米国",
        "日本",
        "オランダ",
        "台湾",
        "韓国",
        "ドイツ",
        "インド",
        "マレーシア",
        "シンガポール",
    ),
}
AGENCIES = (
    "BIS",
    "the Commerce Department",
    "MOFCOM",
    "METI",
    "the European Commission",
    "the Dutch government",
    "CFIUS",
    "the SEC",
)

# Event kinds, each with title templates per language. Slots: {co} company, {chip},
# {place}, {agency}, {n} a number, {q} a quarter.
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "licence": {
        "en": (
            "{agency} grants {co} licences to ship {chip} to {place}",
            "{co} cleared to resume {chip} sales to {place}",
            "Export licences let {co} sell {chip} in {place} again",
            "{place} sales of {co} {chip} back on after {agency} nod",
        ),
        "fr": (
            "{co} autorisé à reprendre les ventes de {chip} vers {place}",
            "Licences d'export : {co} peut de nouveau vendre la puce {chip} à {place}",
            "{agency} accorde à {co} des licences pour la {chip}",
        ),
        "de": (
            "{co} darf {chip} wieder nach {place} liefern",
            "Exportlizenz: {agency} erlaubt {co} den Verkauf von {chip}",
        ),
        "es": ("{co} podrá volver a vender {chip} a {place}",),
        "zh": ("{co}获准恢复向{place}销售{chip}芯片", "{agency}向{co}发放{chip}出口许可"),
        "ja": ("{co}、{place}向け{chip}の販売再開を許可される",),
    },
    "restriction": {
        "en": (
            "{agency} tightens export controls on {chip} shipments to {place}",
            "New rules bar {co} from selling {chip} to {place}",
            "{co} hit by fresh curbs on {chip} exports",
        ),
        "fr": (
            "{agency} durcit les contrôles à l'export sur la {chip} vers {place}",
            "Nouvelles restrictions : {co} ne peut plus vendre la {chip} à {place}",
        ),
        "de": ("{agency} verschärft Exportkontrollen für {chip} nach {place}",),
        "es": ("{agency} endurece los controles de exportación de {chip} a {place}",),
        "zh": ("{agency}收紧对{place}的{chip}出口管制",),
        "ja": ("{agency}、{place}向け{chip}の輸出規制を強化",),
    },
    "earnings": {
        "en": (
            "{co} revenue rises {n}% in {q} on AI chip demand",
            "{co} beats forecasts as {q} sales climb {n}%",
            "AI demand lifts {co} {q} revenue by {n}%",
        ),
        "fr": ("Le chiffre d'affaires de {co} progresse de {n} % au {q}",),
        "de": ("{co} steigert Umsatz im {q} um {n} Prozent",),
        "es": ("Los ingresos de {co} suben un {n}% en el {q}",),
        "zh": ("{co}{q}营收增长{n}%",),
        "ja": ("{co}の{q}売上高、{n}%増",),
    },
    "fab": {
        "en": (
            "{co} to build a new fab in {place} worth ${n} billion",
            "{co} picks {place} for ${n}bn chip plant",
            "{place} lands {co} factory, a ${n} billion bet",
        ),
        "fr": ("{co} va construire une usine de {n} milliards de dollars en {place}",),
        "de": ("{co} baut für {n} Milliarden Dollar ein Werk in {place}",),
        "es": ("{co} construirá una planta de {n} mil millones en {place}",),
        "zh": ("{co}将在{place}投资{n}亿美元建厂",),
        "ja": ("{co}、{place}に{n}億ドルの新工場",),
    },
}
SUMMARY = {
    "en": (
        "The decision concerns the {chip} and follows months of talks involving {agency}. "
        "Analysts said {co} could see demand from customers in {place} recover quickly."
    ),
    "fr": (
        "La décision porte sur la {chip} et fait suite à des mois de discussions avec "
        "{agency}. Selon des analystes, la demande de {place} pour {co} pourrait repartir."
    ),
    "de": (
        "Die Entscheidung betrifft den {chip} und folgt auf monatelange Gespräche mit "
        "{agency}. Analysten erwarten, dass die Nachfrage in {place} für {co} anzieht."
    ),
    "es": (
        "La decisión afecta al {chip} tras meses de conversaciones con {agency}. "
        "Los analistas creen que la demanda de {place} para {co} se recuperará."
    ),
    "zh": "此决定涉及{chip}，此前{agency}进行了数月磋商。分析人士认为{co}在{place}的需求将回升。",
    "ja": "今回の決定は{chip}に関するもので、{agency}との協議を経た。{co}の{place}需要は回復するとの見方。",
}
LANG_WEIGHTS = (("en", 55), ("fr", 12), ("de", 10), ("es", 8), ("zh", 10), ("ja", 5))
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
OUTLETS = 40


@dataclass(frozen=True, slots=True)
class SynthArticle:
    """One generated entry; ``event`` says which event it retells (the ground truth)."""

    guid: str
    outlet: int
    lang: str
    title: str
    summary: str
    url: str
    published: datetime
    event: int

    def article(self) -> Article:
        """This item as the parser would hand it over (one outlet, one feed URL)."""
        return Article(
            key=self.guid,
            feed_url=f"https://outlet{self.outlet}.example/feed",
            title=self.title,
            summary=self.summary,
            url=self.url,
            published=self.published,
            fetched_at=self.published,
            guid=self.guid,
            lang=self.lang,
        )


def _misspell(rng: random.Random, text: str) -> str:
    """A reporter's typo: H20 → H2O, a doubled or dropped letter."""
    if "H20" in text and rng.random() < 0.5:
        return text.replace("H20", "H2O", 1)
    words = text.split(" ")
    index = rng.randrange(len(words))
    word = words[index]
    if len(word) > 4 and word.isalpha():
        cut = rng.randrange(1, len(word) - 1)
        words[index] = word[:cut] + word[cut + 1 :]
    return " ".join(words)


def _pick_lang(rng: random.Random) -> str:
    langs, weights = zip(*LANG_WEIGHTS, strict=True)
    return rng.choices(langs, weights=weights)[0]


def _event_slots(rng: random.Random) -> dict[str, object]:
    return {
        "co": rng.choice(COMPANIES),
        "chip": rng.choice(CHIPS),
        "place": rng.randrange(len(PLACES["en"])),
        "agency": rng.choice(AGENCIES),
        "n": rng.randrange(3, 95),
        "q": rng.choice(QUARTERS),
    }


def _render(template: str, slots: dict[str, object], lang: str) -> str:
    values = dict(slots)
    values["place"] = PLACES[lang][int(slots["place"])]  # type: ignore[arg-type]
    return template.format(**values)


def generate_articles(
    count: int, *, seed: int = 0, start: datetime = START, span: timedelta = timedelta(days=365)
) -> Iterator[SynthArticle]:
    """Yield ``count`` articles in published order, deterministically from ``seed``."""
    rng = random.Random(seed)
    step = span / max(count, 1)
    made = 0
    event = 0
    while made < count:
        kind = rng.choice(tuple(TEMPLATES))
        slots = _event_slots(rng)
        retellings = min(count - made, rng.choice((1, 1, 2, 2, 3, 4, 6, 8)))
        for copy in range(retellings):
            lang = _pick_lang(rng)
            title = _render(rng.choice(TEMPLATES[kind][lang]), slots, lang)
            if rng.random() < 0.08:
                title = _misspell(rng, title)
            title = title[0].upper() + title[1:]
            summary = _render(SUMMARY[lang], slots, lang)
            outlet = rng.randrange(OUTLETS)
            guid = f"synth-{seed}-{made}"
            published = start + step * made + timedelta(minutes=rng.randrange(0, 90) * copy)
            yield SynthArticle(
                guid=guid,
                outlet=outlet,
                lang=lang,
                title=title,
                summary=summary,
                url=f"https://outlet{outlet}.example/{guid}",
                published=published,
                event=event,
            )
            made += 1
        event += 1


def _rss(articles: list[SynthArticle], index: int, lang: str) -> str:
    items = "".join(
        f"<item><title>{escape(a.title)}</title><link>{escape(a.url)}</link>"
        f'<guid isPermaLink="false">{a.guid}</guid>'
        f"<pubDate>{a.published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description>{escape('<p>' + escape(a.summary) + '</p>')}</description></item>\n"
        for a in articles
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Synthetic outlet {index}</title><link>https://feed{index}.example/</link>"
        f"<description>generated</description><language>{lang}</language>\n"
        f"{items}</channel></rss>\n"
    )


def _atom(articles: list[SynthArticle], index: int, lang: str) -> str:
    entries = "".join(
        f'<entry><title>{escape(a.title)}</title><link href="{escape(a.url)}"/>'
        f"<id>urn:{a.guid}</id><updated>{a.published.strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>"
        f'<summary type="html">{escape("<p>" + escape(a.summary) + "</p>")}</summary>'
        f"</entry>\n"
        for a in articles
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang}">'
        f"<title>Synthetic outlet {index}</title><id>urn:synth-feed-{index}</id>"
        f"<updated>2025-01-01T00:00:00Z</updated>\n{entries}</feed>\n"
    )


def feed_document(articles: list[SynthArticle], index: int) -> bytes:
    """One feed file: RSS 2.0 for even ``index``, Atom 1.0 for odd."""
    lang = articles[0].lang if articles else "en"
    render = _rss if index % 2 == 0 else _atom
    return render(articles, index, lang).encode("utf-8")


def write_feeds(
    directory: Path,
    count: int,
    *,
    seed: int = 0,
    per_feed: int = 100,
    span: timedelta = timedelta(days=365),
    start: datetime = START,
) -> list[Path]:
    """Write ``count`` articles as feeds of about ``per_feed`` entries; return the paths.

    Article ``i`` goes to feed ``i mod feeds``, so every feed covers the whole ``span``
    (like real outlets, whose feeds all hold recent news) and the retellings of one
    event land in different feeds.
    """
    directory.mkdir(parents=True, exist_ok=True)
    feeds = max(1, -(-count // per_feed))
    batches: list[list[SynthArticle]] = [[] for _ in range(feeds)]
    for index, article in enumerate(generate_articles(count, seed=seed, start=start, span=span)):
        batches[index % feeds].append(article)
    return [_write_one(directory, batch, number) for number, batch in enumerate(batches)]


def _write_one(directory: Path, batch: list[SynthArticle], index: int) -> Path:
    suffix = "rss" if index % 2 == 0 else "atom"
    path = directory / f"feed{index:05d}.{suffix}.xml"
    path.write_bytes(feed_document(batch, index))
    return path
