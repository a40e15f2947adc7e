"""Feed bytes → articles: :func:`chipwatch.ingest.parse.feed.parse_feed` (feedparser on
the bytes and headers, after the strict lxml fast path of :mod:`.fastpath`), JSON Feed,
HTML to text, normalization, language detection and OPML."""
