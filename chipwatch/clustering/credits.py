"""Where an item's text comes from: its wire credit and its link's host.

One feed rarely tells one event twice, so two items of one feed get a small penalty;
but an aggregator carries several wire services (Kyodo *and* CNA, Reuters *and* AP),
and two wires' reports of one event are two reports. An item's credit is the wire
named in its dateline or byline ("(Reuters)", "BEIJING (AP) --", "【共同】",
"（中央社）", "据新华社"); items with different credits, or linking to different sites,
are never penalised as one outlet's repeats.
"""

from __future__ import annotations

import re

# Wire services by the spellings their datelines use. The credit is the canonical name.
_WIRES: tuple[tuple[str, str], ...] = (
    ("Reuters", r"reuters|路透"),
    ("AP", r"\bap\b|associated press|美联社|美聯社"),
    ("AFP", r"\bafp\b|agence france|法新社"),
    ("Bloomberg", r"bloomberg|彭博"),
    ("dpa", r"\bdpa\b"),
    ("Xinhua", r"xinhua|新华社|新華社"),
    ("Kyodo", r"kyodo|共同"),
    ("CNA", r"中央社|central news agency|\bcna\b"),
    ("Jiji", r"時事|jiji"),
    ("Yonhap", r"yonhap|연합뉴스|聯合"),
    ("EFE", r"\befe\b"),
    ("ANSA", r"\bansa\b"),
    ("Lusa", r"\blusa\b"),
    ("Europa Press", r"europa press"),
)
_WIRE_PATTERNS = tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in _WIRES)
# Any wire at all: most brackets credit none ("(file photo)", "[update]"), told by one
# search instead of one per wire.
_ANY_WIRE = re.compile("|".join(f"(?:{pattern})" for _, pattern in _WIRES), re.IGNORECASE)
# A credit is looked for where datelines and bylines are: in brackets near the start
# ("BEIJING (Reuters) -", "【北京共同】", "（中央社記者…）"), after "據/据", "selon",
# "according to", or as "© Lusa" / "(Bloomberg) --".
_CREDIT_SPOT = re.compile(
    r"[(（【\[][^)）】\]]{0,30}[)）】\]]|(?:据|據|selon|according to|©)\s*[^\s,，。]{1,20}",
    re.IGNORECASE,
)
_OPENING = 240  # characters of the summary a dateline can be in


def wire_credit(summary: str) -> str:
    """The wire service credited at the start of ``summary`` ("" when none is)."""
    opening = summary[:_OPENING]
    if opening.isascii() and not _may_credit(opening):
        return ""
    for spot in _CREDIT_SPOT.finditer(opening):
        text = spot.group()
        if not _ANY_WIRE.search(text):
            continue
        for name, pattern in _WIRE_PATTERNS:
            if pattern.search(text):
                return name
    return ""


def _may_credit(opening: str) -> bool:
    """Whether ASCII text holds where a credit can be (a bracket, "selon", "according
    to"): most openings hold none, and these tests cost less than the spots' pattern
    tried at every offset. (Only ASCII: there a case-blind match is ASCII case.)"""
    if "(" in opening or "[" in opening:
        return True
    lowered = opening.lower()
    return "selon" in lowered or "according to" in lowered


def link_host(url: str) -> str:
    """The host of an item's link, lower case, without ``www.`` ("" for none)."""
    text = url.strip()
    if "://" not in text:
        return ""
    host = text.split("://", 1)[1].split("/", 1)[0].split("@")[-1].split(":", 1)[0].lower()
    return host.removeprefix("www.")
