"""Main-text extractors compared on our own article pages (tests/data/pages/).

``python benchmarks/extractors.py [--runs N]`` runs every extractor importable by this
interpreter (trafilatura, readability-lxml, jusText, newspaper4k) over each page and
prints, per extractor and page: body fragments found (recall), boilerplate fragments
leaked, and the median time of an extraction. Run it with the interpreter of each
environment you want to measure (one extractor per virtualenv gives honest install
sizes); it needs none of chipwatch. The pages and what counts as body or boilerplate
are in tests/data/pages/expected.toml. The figures chipwatch chose by are in
docs/fulltext.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

PAGES = Path(__file__).resolve().parent.parent / "tests" / "data" / "pages"
Extractor = Callable[[bytes, str, str], str]


def _lxml_text(fragment: str) -> str:
    import lxml.html

    tree = lxml.html.fromstring(fragment)
    for br in tree.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return "\n".join(
        " ".join(block.text_content().split())
        for block in tree.iter("p", "div", "li", "h1", "h2", "h3", "blockquote")
        if block.text_content().strip()
    )


def trafilatura_default(html: bytes, url: str, lang: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, include_comments=False) or ""


def trafilatura_fast(html: bytes, url: str, lang: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, include_comments=False, fast=True) or ""


def readability(html: bytes, url: str, lang: str) -> str:
    from readability import Document

    return _lxml_text(Document(html, url=url).summary(html_partial=True))


def justext_(html: bytes, url: str, lang: str) -> str:
    import justext

    names = {"en": "English", "fr": "French", "de": "German", "es": "Spanish"}
    stoplist = justext.get_stoplist(names[lang]) if lang in names else frozenset()
    paragraphs = justext.justext(html, stoplist)
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def newspaper(html: bytes, url: str, lang: str) -> str:
    from newspaper import Article

    article = Article(url, language=lang)
    article.download(input_html=html.decode("utf-8"))
    article.parse()
    return article.text


EXTRACTORS: dict[str, tuple[str, Extractor]] = {
    "trafilatura": ("trafilatura", trafilatura_default),
    "trafilatura-fast": ("trafilatura", trafilatura_fast),
    "readability-lxml": ("readability", readability),
    "justext": ("justext", justext_),
    "newspaper4k": ("newspaper", newspaper),
}


def squash(text: str) -> str:
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--show", help="print what this extractor gives for each page")
    args = parser.parse_args(argv)
    expected = tomllib.loads((PAGES / "expected.toml").read_text(encoding="utf-8"))
    for name, (module, extract) in EXTRACTORS.items():
        try:
            started = time.perf_counter()
            __import__(module)
            imported = time.perf_counter() - started
        except ImportError:
            continue
        total_body = total_found = total_boiler = total_leaked = 0
        times: list[float] = []
        print(f"{name} (import {imported * 1000:.0f} ms)")
        for page, want in expected.items():
            html = (PAGES / f"{page}.html").read_bytes()
            url = f"https://example.org/{page}"
            try:
                text = extract(html, url, want["lang"])
            except Exception as exc:  # an extractor that fails scores nothing
                print(f"  {page:12} failed: {type(exc).__name__}: {str(exc)[:60]}")
                total_body += len(want["body"])
                total_boiler += len(want["boilerplate"])
                continue
            flat = squash(text)
            found = [b for b in want["body"] if squash(b) in flat]
            leaked = [b for b in want["boilerplate"] if squash(b) in flat]
            runs = []
            for _ in range(args.runs):
                started = time.perf_counter()
                extract(html, url, want["lang"])
                runs.append(time.perf_counter() - started)
            median = statistics.median(runs)
            times.append(median)
            total_body += len(want["body"])
            total_found += len(found)
            total_boiler += len(want["boilerplate"])
            total_leaked += len(leaked)
            missing = [b[:30] for b in want["body"] if b not in found]
            print(
                f"  {page:12} body {len(found)}/{len(want['body'])}"
                f"  leaked {len(leaked)}/{len(want['boilerplate'])}"
                f"  {median * 1000:6.1f} ms"
                + (f"  missing {missing}" if missing else "")
                + (f"  leaked {[b[:30] for b in leaked]}" if leaked else "")
            )
            if args.show == name:
                print("    | " + text.replace("\n", "\n    | "))
        print(
            f"  TOTAL body {total_found}/{total_body}  leaked {total_leaked}/{total_boiler}"
            f"  median {statistics.median(times) * 1000:.1f} ms/page"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
