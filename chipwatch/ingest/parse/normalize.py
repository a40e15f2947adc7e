"""Normalization of feed entries: canonical URLs, titles, identity keys, languages.

Pure functions of their inputs (no clock, no I/O), shared by the parser and the tests.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only track the reader (Miniflux, ClearURLs and similar lists).
TRACKING_PARAMS = frozenset(
    [
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "__hssc",
        "__hstc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
        "wickedid",
        "rb_clickid",
        "s_cid",
        "ncid",
        "cmpid",
        "ito",
        "ocid",
        "sr_share",
        "spm",
        "xtor",
        "at_campaign",
        "at_medium",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
    ]
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "piwik_", "matomo_", "hmb_", "itm_")

# The year field of a date as a feed wrote it: ISO 8601 / RFC 3339 (``2025-07-15…``)
# starts with it; RFC 822 (``Tue, 15 Jul 2025 …``) has it after the month's name.
_ISO_YEAR = re.compile(r"\s*[+-]?([0-9]+)-")
_RFC822_YEAR = re.compile(r"(?:^|[\s,])[0-9]{1,2}[\s-]+[A-Za-z]{3,}\.?[\s-]+([0-9]+)(?![0-9])")
# Already canonical: absolute http(s), lower-case host without a default port, a path,
# no query, no fragment, nothing urljoin/urlsplit would fold (dot segments, params,
# whitespace). canonical_url returns such a URL unchanged without splitting it.
_CANONICAL = re.compile(
    r"https?://(?!\S*:(?:80|443)/)[a-z0-9.-]+(?::[0-9]{1,5})?"
    r"(?:/(?!\.\.?(?:/|\Z))[A-Za-z0-9._~%+=,!*'()@:-]*)+\Z"
)


def is_tracking_param(name: str) -> bool:
    """True for query parameters that identify the reader rather than the page."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str, base: str = "") -> str:
    """Absolute URL without tracking parameters or fragment; host lower-cased.

    Relative links are resolved against ``base`` (the feed's URL or xml:base).
    Anything that is not http(s) after resolving is returned stripped but unchanged.
    """
    url = (url or "").strip()
    if not url:
        return ""
    if _CANONICAL.match(url):
        return url  # what canonicalize gives back for it, against any base
    return canonicalize(url, base)


def canonicalize(url: str, base: str = "") -> str:
    """The steps of :func:`canonical_url` for a stripped, non-empty ``url``."""
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https"):
        return url
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(k)
    ]
    netloc = parts.netloc.lower()
    if netloc.endswith(":80") and parts.scheme.lower() == "http":
        netloc = netloc[:-3]
    elif netloc.endswith(":443") and parts.scheme.lower() == "https":
        netloc = netloc[:-4]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, urlencode(query, doseq=True), ""))


def short_hash(*parts: str) -> str:
    """A stable 128-bit hex digest of the parts."""
    data = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def article_key(*, feed_url: str, guid: str | None, url: str, title: str, summary: str) -> str:
    """The identity of an entry: its guid, else its canonical URL, else its text.

    A guid that is itself a web address identifies the page wherever it appears; any
    other guid is only unique within its feed, so it is scoped to the feed's URL.
    """
    if guid:
        if guid.lower().startswith(("http://", "https://")):
            return "u:" + short_hash(canonical_url(guid))
        return "g:" + short_hash(feed_url, guid)
    if url:
        return "u:" + short_hash(url)
    return "h:" + short_hash(feed_url, title, summary)


def year_as_written(text: str, year: int) -> bool:
    """False when a parsed date's ``year`` cannot be what ``text`` says.

    feedparser reads ``10000-01-01`` as 2010-12-01: a year field must have four digits
    (two in RFC 822) and, when it has four, match the parsed year give or take one (a
    time zone can move 31 December into the next year). Text where no year field is
    found is trusted (the range check still applies to it).
    """
    match = _ISO_YEAR.match(text) or _RFC822_YEAR.search(text)
    if match is None:
        return True
    field = match.group(1)
    if len(field) == 4:
        return abs(int(field) - year) <= 1
    return len(field) == 2 and match.re is _RFC822_YEAR


def web_url(url: str, base: str = "") -> str:
    """:func:`canonical_url` when it is an http(s) address, else ``""``: an article's
    link and identity come from a web address only (never ``at:``, ``javascript:``,
    ``file:`` or an unresolved relative path)."""
    canonical = canonical_url(url, base)
    return canonical if canonical.lower().startswith(("http://", "https://")) else ""


def normalize_lang(code: str | None) -> str | None:
    """``en-US`` → ``en``; ``zh-Hant-TW`` → ``zh``; junk → None."""
    if not code:
        return None
    primary = re.split(r"[-_\s]", code.strip().lower(), maxsplit=1)[0]
    if re.fullmatch(r"[a-z]{2,3}", primary) and primary not in ("und", "mul", "zxx"):
        return primary
    return None
