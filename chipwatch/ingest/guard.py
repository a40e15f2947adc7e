"""What a fetch takes from a server's headers, and what it refuses.

- Numbers (Retry-After, Cache-Control max-age): ASCII digits only, capped before they
  are converted (``schedule.bounded_int``), so ``max-age=²`` or 5000 digits are ignored
  or capped instead of failing the fetch.
- A validator (ETag, Last-Modified) that could not be sent back: it is never stored,
  and one an older chipwatch stored is dropped before a request is built, because
  sending it fails (UnicodeEncodeError) on every later poll.
- A redirect out of the web (``file:``, ``ftp:``…), or from a public address into a
  private network: loopback, link-local (cloud metadata services live at
  169.254.169.254), RFC 1918 and the like. A feed configured on such an address itself
  (an intranet feed, the tests, the demo) follows its redirects as before.

An article page (``FetchRequest.page_of``) starts from where its feed lives: a feed on
a public address (or a public-looking name) cannot make chipwatch ask a private address
for a page, by link or by redirect; a feed on a private address or a one-word intranet
name, or a local file, can.

Addresses are judged by the connection itself when the transport reports it (httpx's
``network_stream``), so a public name that resolves to a private address is caught too
(its answer is refused: the request was already sent); without that, by the literal
host (IP literals in any form ``getaddrinfo`` accepts, and ``localhost``).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from chipwatch.ingest.schedule import MAX_RETRY_AFTER_S, bounded_int

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# Printable ASCII only: what an HTTP header can carry back byte for byte.
_SENDABLE = re.compile(r"[\x20-\x7e]{1,1024}")
MAX_URL_IN_MESSAGE = 200
MAX_AGE_CAP_S = 365 * 86400  # schedule.py caps hints at a day; this only bounds the number


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    seconds = bounded_int(value, MAX_RETRY_AFTER_S)  # digits only, capped before int()
    if seconds is not None:
        return float(seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, min((when - now).total_seconds(), MAX_RETRY_AFTER_S))


def parse_max_age(value: str | None) -> int | None:
    """``max-age`` seconds from a Cache-Control header (``no-cache`` etc. give None);
    ASCII digits only, capped before conversion (``max-age=²`` or 5000 digits)."""
    for part in (value or "").split(","):
        name, _, number = part.strip().partition("=")
        if name.strip().lower() == "max-age":
            seconds = bounded_int(number.strip().strip('"'), MAX_AGE_CAP_S)
            if seconds is not None:
                return seconds
    return None


def sendable(value: str | None) -> str | None:
    """``value`` (stripped) when it can be sent back as a header value, else None."""
    if not value:
        return None
    value = value.strip()
    return value if _SENDABLE.fullmatch(value) else None


def short_url(url: str) -> str:
    """A URL as an error message quotes it: at most 200 characters."""
    return url if len(url) <= MAX_URL_IN_MESSAGE else url[: MAX_URL_IN_MESSAGE - 1] + "…"


def literal_address(host: str) -> Address | None:
    """The address a host names literally: ``10.0.0.1``, ``::1``, and the old IPv4
    shorthands ``getaddrinfo`` also accepts (``127.1``, ``2130706433``, ``0x7f.1``)."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if not re.fullmatch(r"[0-9a-fA-FxX.]+", host) or not host[:1].isdigit():
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def is_private(address: Address) -> bool:
    """Loopback, link-local, private, unspecified, reserved or multicast."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_reserved
        or address.is_multicast
    )


def host_is_private(host: str) -> bool | None:
    """True for ``localhost`` names and private literal addresses, False for public
    literal addresses, None for any other name (unknown until connected)."""
    name = host.lower().rstrip(".")
    if not name or name == "localhost" or name.endswith(".localhost"):
        return True
    address = literal_address(name)
    return None if address is None else is_private(address)


def peer_address(response: httpx.Response) -> Address | None:
    """The address the answer came from, when the transport tells."""
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    try:
        peer = stream.get_extra_info("server_addr")
        return ipaddress.ip_address(peer[0]) if peer else None
    except (TypeError, ValueError, IndexError, AttributeError):
        return None


# Name endings that are never public (RFC 6762, 8375 and common intranet use).
_LOCAL_SUFFIXES = (".local", ".lan", ".internal", ".intranet", ".home.arpa", ".corp")


def origin_public(feed_url: str | None) -> bool | None:
    """Whether a page linked from ``feed_url`` starts from the public internet: True for
    a public address or a dotted public-looking name, False for a private address, None
    (judged at the first answer, as for a feed) for a local file, a one-word or
    intranet name, or no feed."""
    if not feed_url or "://" not in feed_url or feed_url.lower().startswith("file:"):
        return None
    host = _host(feed_url).lower().rstrip(".")
    private = host_is_private(host)
    if private is not None:
        return not private
    if "." not in host or host.endswith(_LOCAL_SUFFIXES):
        return None
    return True


class RedirectGuard:
    """Watches one fetch's chain of answers and redirects (see the module's doc).

    ``public``: where the chain starts from (an article page: its feed's
    :func:`origin_public`); None, decided by the first answer."""

    def __init__(self, public: bool | None = None) -> None:
        self.public = public
        self._answers = 0

    def may_request(self, url: str) -> str | None:
        """Before the first request: a page of a public feed on a private address
        literal is refused without asking it."""
        if self.public and host_is_private(_host(url)):
            return f"refused a page on a private network address: {short_url(url)}"
        return None

    def answered(self, url: str, response: httpx.Response) -> str | None:
        """Call for every answer; a reason to refuse it, or None."""
        peer = peer_address(response)
        private = is_private(peer) if peer is not None else host_is_private(_host(url))
        first, self._answers = self._answers == 0, self._answers + 1
        if self.public is None:
            self.public = not private
            return None
        if self.public and private:
            where = f" ({peer})" if peer is not None else ""
            what = (
                "a page on a private network address"
                if first
                else "a redirect from a public address into a private network"
            )
            return f"refused {what}: {short_url(url)}{where}"
        return None

    def may_follow(self, target: str) -> str | None:
        """Call before following a redirect to ``target``; a reason to refuse, or None."""
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            return f"refused a redirect to a non-web address: {short_url(target)}"
        if self.public and host_is_private(_host(target)):
            return f"refused a redirect from a public address into a private network: {short_url(target)}"
        return None


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""
