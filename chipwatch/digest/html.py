"""The digest as one self-contained HTML page: inline CSS, no scripts, prints well.

Every feed string goes through :func:`html.escape`; links are http(s) only (checked
again here, at the edge) and carry ``rel="noopener noreferrer"``. A
Content-Security-Policy meta forbids scripts, remote styles, images and forms, so
even a renderer bug could not make the page run or fetch anything.
"""

from __future__ import annotations

import html
from functools import lru_cache

from chipwatch.digest.model import (
    Digest,
    DigestAlert,
    DigestArticle,
    DigestStory,
    human_dates,
    human_span,
    human_time,
    human_window,
    language_name,
    one_line,
    plural,
)
from chipwatch.textsafe import safe_url

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)

CSS = """
:root { --ink:#1d2330; --muted:#5f6b7a; --rule:#e3e7ee; --paper:#fff; --wash:#f5f7fa;
  --accent:#0b5cad; --warn:#9a4a00; --warn-bg:#fff6e8; --warn-rule:#f1c27d; }
* { box-sizing:border-box; }
html { background:var(--wash); }
body { margin:0 auto; max-width:60rem; padding:2rem 1.5rem 3rem; color:var(--ink);
  font:15px/1.5 -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial,
  "Noto Sans CJK SC", "PingFang SC", sans-serif; }
a { color:var(--accent); text-decoration:none; }
a:hover { text-decoration:underline; }
.masthead { background:var(--paper); border:1px solid var(--rule); border-top:5px solid
  var(--accent); border-radius:8px; padding:1.4rem 1.6rem 1.2rem; }
.kicker { margin:0; font-size:.75rem; letter-spacing:.12em; text-transform:uppercase;
  color:var(--accent); font-weight:700; }
h1 { margin:.2rem 0 .3rem; font-size:1.7rem; line-height:1.2; }
.window, .query, .generated { margin:.15rem 0; color:var(--muted); }
.query code { background:var(--wash); border:1px solid var(--rule); border-radius:4px;
  padding:0 .35rem; color:var(--ink); }
.stats { display:flex; flex-wrap:wrap; gap:.6rem; margin:1rem 0 0; padding:0; }
.stats div { background:var(--wash); border-radius:6px; padding:.4rem .8rem; min-width:6rem; }
.stats dt { font-size:.7rem; text-transform:uppercase; letter-spacing:.08em; color:var(--muted); }
.stats dd { margin:0; font-size:1.25rem; font-weight:700; }
h2 { font-size:.8rem; letter-spacing:.12em; text-transform:uppercase; color:var(--muted);
  margin:2rem 0 .6rem; }
.alerts ul { list-style:none; margin:0; padding:0; }
.alerts li { background:var(--warn-bg); border:1px solid var(--warn-rule); border-left:4px solid
  var(--warn); border-radius:6px; padding:.5rem .8rem; margin:.4rem 0; }
.alerts .watch { font-weight:700; color:var(--warn); }
.alerts .when, .alerts .kind { color:var(--muted); font-size:.85rem; }
.story { position:relative; background:var(--paper); border:1px solid var(--rule);
  border-radius:8px; padding:1.1rem 1.4rem 1rem 4rem; margin:.8rem 0; }
.rank { position:absolute; left:1.1rem; top:1rem; width:2.1rem; height:2.1rem;
  border-radius:50%; background:var(--accent); color:#fff; font-weight:700;
  display:flex; align-items:center; justify-content:center; }
.story h3 { margin:0 0 .25rem; font-size:1.2rem; line-height:1.3; }
.story h3 a { color:var(--ink); }
.facts { margin:0 0 .5rem; color:var(--muted); font-size:.9rem; }
.lede { margin:.1rem 0 .6rem; max-width:46rem; }
.lang { display:inline-block; font-size:.7rem; font-weight:700; letter-spacing:.05em;
  text-transform:uppercase; border:1px solid var(--rule); border-radius:4px; padding:0 .3rem;
  color:var(--muted); background:var(--wash); }
.flag { display:inline-block; background:var(--warn-bg); color:var(--warn); font-weight:700;
  font-size:.8rem; border:1px solid var(--warn-rule); border-radius:999px; padding:0 .55rem;
  margin-left:.2rem; }
.entities { list-style:none; display:flex; flex-wrap:wrap; gap:.35rem; margin:.2rem 0 .7rem;
  padding:0; }
.entities li { font-size:.8rem; border-radius:999px; padding:.05rem .6rem;
  background:#eef1f6; color:#394357; }
.entities li span { opacity:.65; margin-left:.25rem; }
.k-chip { background:#ece9fc !important; color:#4a3aa8 !important; }
.k-company { background:#e6f0fb !important; color:#0b5cad !important; }
.k-agency { background:#fdf0e1 !important; color:#8a4b00 !important; }
.k-person { background:#fbe9f1 !important; color:#9b2c5e !important; }
.k-place { background:#e7f5ec !important; color:#22724a !important; }
.k-policy { background:#fdeaea !important; color:#a12828 !important; }
.sources { list-style:none; margin:0; padding:.6rem 0 0; border-top:1px solid var(--rule); }
.sources li { display:grid; grid-template-columns:9.5rem 1fr; gap:.1rem .8rem; padding:.2rem 0; }
.sources time { color:var(--muted); font-size:.85rem; font-variant-numeric:tabular-nums; }
.sources .outlet { font-weight:600; margin-right:.3rem; }
.sources .earlier { opacity:.7; }
.sources .note { color:var(--muted); font-size:.8rem; font-style:italic; }
.empty { background:var(--paper); border:1px dashed var(--rule); border-radius:8px;
  padding:1.2rem; color:var(--muted); text-align:center; }
footer { margin-top:2rem; color:var(--muted); font-size:.8rem; text-align:center; }
@media (max-width:40rem) { .story { padding-left:1.2rem; } .rank { position:static;
  margin-bottom:.4rem; } .sources li { grid-template-columns:1fr; } }
@media print {
  html, body { background:#fff; } body { max-width:none; padding:0; font-size:10pt; }
  @page { margin:14mm 14mm 16mm; }
  .masthead, .story, .alerts li { break-inside:avoid; border-color:#bbb; }
  .story { page-break-inside:avoid; }
  * { -webkit-print-color-adjust:exact; print-color-adjust:exact; }
  .sources a::after { content:" <" attr(href) ">"; color:var(--muted); font-size:.75rem;
    word-break:break-all; }
  a { color:var(--ink); }
}
"""


def render_html(digest: Digest) -> str:
    """One HTML5 document, with everything inline."""
    body = [_masthead(digest)]
    if digest.alerts:
        body.append(_alerts(digest))
    body.append(_stories(digest))
    body.append(
        f"<footer>Generated by chipwatch on {_e(human_time(digest.generated_at))}. "
        "Every story cites its sources; links open the original reports.</footer>"
    )
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en">',
                "<head>",
                '<meta charset="utf-8">',
                f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
                '<meta name="referrer" content="no-referrer">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                '<meta name="generator" content="chipwatch">',
                f"<title>{_e(_page_title(digest))}</title>",
                f"<style>{CSS}</style>",
                "</head>",
                "<body>",
                *body,
                "</body>",
                "</html>",
            ]
        )
        + "\n"
    )


def _page_title(digest: Digest) -> str:
    title = f"chipwatch digest, {human_window(digest)}"
    return f"{title}: {digest.query}" if digest.query else title


def _masthead(digest: Digest) -> str:
    lines = [
        '<header class="masthead">',
        '<p class="kicker">chipwatch digest</p>',
        f"<h1>Brief {_e(_h1_dates(digest))}</h1>",
        f'<p class="window">Window: {_e(human_window(digest))}</p>',
    ]
    if digest.query:
        lines.append(f'<p class="query">Query: <code>{_e(digest.query)}</code></p>')
    if digest.min_outlets > 1:
        lines.append(
            f'<p class="query">Only stories from at least '
            f"{plural(digest.min_outlets, 'outlet')}</p>"
        )
    lines.append(_stats(digest))
    lines.append("</header>")
    return "\n".join(lines)


def _h1_dates(digest: Digest) -> str:
    dates = human_dates(digest)
    return dates if dates.startswith("to ") else f"for {dates}"


def _stats(digest: Digest) -> str:
    stats = (
        ("Stories", len(digest.stories)),
        ("Articles", digest.window_article_count),
        ("Outlets", len(digest.outlet_names)),
        ("Languages", len(digest.languages)),
        ("Alerts", len(digest.alerts)),
    )
    cells = "".join(f"<div><dt>{name}</dt><dd>{value}</dd></div>" for name, value in stats)
    return f'<dl class="stats">{cells}</dl>'


def _alerts(digest: Digest) -> str:
    numbers = {story.id: number for number, story in enumerate(digest.stories, start=1)}
    items = "\n".join(_alert(alert, numbers) for alert in digest.alerts)
    return f'<section class="alerts">\n<h2>Alerts</h2>\n<ul>\n{items}\n</ul>\n</section>'


def _alert(alert: DigestAlert, numbers: dict[int, int]) -> str:
    parts = [f'<span class="watch">{_e(alert.watch)}</span>']
    if alert.kind_label:
        parts.append(f' <span class="kind">({_e(alert.kind_label)})</span>')
    if alert.story_id in numbers:
        parts.append(f' on <a href="#story-{alert.story_id}">story {numbers[alert.story_id]}</a>')
    if alert.title:
        parts.append(f": {_e(alert.title)}")
    if alert.note:
        parts.append(f" — {_e(alert.note)}")
    parts.append(f' <span class="when">· {_time(alert.updated_at)}</span>')
    return f"<li>{''.join(parts)}</li>"


def _stories(digest: Digest) -> str:
    if not digest.stories:
        return (
            '<section class="stories">\n<p class="empty">No stories in this window.</p>\n</section>'
        )
    cards = "\n".join(_story(number, story) for number, story in enumerate(digest.stories, start=1))
    return f'<section class="stories">\n<h2>Stories</h2>\n{cards}\n</section>'


def _story(number: int, story: DigestStory) -> str:
    lede = f'<p class="lede">{_e(story.summary)}</p>' if story.summary else ""
    parts = [
        f'<article class="story" id="{story.anchor}">',
        f'<div class="rank">{number}</div>',
        f"<h3>{_link(story.link, story.title)}</h3>",
        _facts(story),
        lede,
        _entities(story),
        '<ol class="sources">',
        *(_source(article) for article in story.articles),
        "</ol>",
        "</article>",
    ]
    return "\n".join(part for part in parts if part)


def _facts(story: DigestStory) -> str:
    span = (
        f'<time datetime="{story.first_seen}">'
        f"{_e(human_span(story.first_seen, story.last_updated))}</time>"
    )
    languages = " ".join(_lang_badge(code) for code in story.languages)
    flags = "".join(f' <span class="flag">⚑ {_e(name)}</span>' for name in story.alerts)
    return f'<p class="facts">{span} · {plural(story.outlets, "outlet")} · {languages}{flags}</p>'


def _entities(story: DigestStory) -> str:
    if not story.mentioned:
        return ""
    chips = "".join(
        f'<li class="k-{_short(entity.kind)}" title="{_short(entity.kind)}">{_short(entity.name)}'
        f"<span>{entity.mentions}</span></li>"
        for entity in story.mentioned
    )
    return f'<ul class="entities">{chips}</ul>'


def _source(article: DigestArticle) -> str:
    note = "" if article.in_window else ' <span class="note">earlier</span>'
    css = "" if article.in_window else ' class="earlier"'
    return (
        f"<li{css}>{_time(article.published)}<span>"
        f'<span class="outlet">{_short(article.feed)}</span> {_lang_badge(article.lang)} '
        f"{_link(article.url, article.title)}{note}</span></li>"
    )


@lru_cache(maxsize=4096)
def _short(text: str) -> str:
    """:func:`_e` for outlet, entity and language names, which repeat a lot."""
    return _e(text)


@lru_cache(maxsize=1024)
def _lang_badge(code: str) -> str:
    return f'<span class="lang" title="{_e(language_name(code))}">{_e(code)}</span>'


def _time(value: str) -> str:
    return f'<time datetime="{_e(value)}">{_e(human_time(value))}</time>'


def _link(url: str, text: str) -> str:
    href = safe_url(url)
    if not href:
        return _e(text)
    return f'<a href="{_e(href)}" rel="noopener noreferrer">{_e(text)}</a>'


def _e(text: str) -> str:
    """Feed text as HTML text or attribute value: cleaned again at the edge, escaped."""
    return html.escape(one_line(text), quote=True)
