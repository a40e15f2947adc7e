"""``file://`` URLs and local paths as feeds (offline use, tests, the demo).

The file's modification time and size stand in for Last-Modified: an untouched file
is "not modified" and costs no read.
"""

from __future__ import annotations

import os

from chipwatch.config.paths import local_path
from chipwatch.ingest.types import FetchKind, FetchRequest, FetchResult, too_large


def unchanged_file(request: FetchRequest) -> FetchResult | None:
    """A cheap check without reading: "not modified" when mtime and size are as before."""
    if not request.last_modified:
        return None
    try:
        stat = local_path(request.url).stat()
    except OSError:
        return None
    stamp = f"file:{stat.st_mtime_ns}:{stat.st_size}"
    if stamp != request.last_modified:
        return None
    return FetchResult(url=request.url, kind=FetchKind.NOT_MODIFIED, last_modified=stamp)


def fetch_file(request: FetchRequest, max_bytes: int) -> FetchResult:
    """Read a local feed, honouring the size limit; never raises."""
    path = local_path(request.url)
    try:
        stat = path.stat()
        stamp = f"file:{stat.st_mtime_ns}:{stat.st_size}"
        if request.last_modified == stamp:
            return FetchResult(url=request.url, kind=FetchKind.NOT_MODIFIED, last_modified=stamp)
        if stat.st_size > max_bytes:
            return FetchResult(
                url=request.url,
                kind=FetchKind.ERROR,
                error=too_large(max_bytes),
            )
        with path.open("rb") as handle:
            body = handle.read(max_bytes + 1)
    except FileNotFoundError:
        return FetchResult(url=request.url, kind=FetchKind.ERROR, error=f"no such file: {path}")
    except IsADirectoryError:
        return FetchResult(
            url=request.url, kind=FetchKind.ERROR, error=f"a folder, not a feed file: {path}"
        )
    except OSError as exc:
        return FetchResult(
            url=request.url,
            kind=FetchKind.ERROR,
            error=f"cannot read {path}: {exc.strerror or exc}",
        )
    if len(body) > max_bytes:
        return FetchResult(
            url=request.url,
            kind=FetchKind.ERROR,
            error=too_large(max_bytes),
        )
    return FetchResult(
        url=request.url,
        kind=FetchKind.OK,
        body=body,
        last_modified=stamp,
        final_url=path.as_uri() if path.is_absolute() else os.fspath(path),
    )
