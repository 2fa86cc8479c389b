"""Downloads streamed from the database while the person's browser reads them."""

from collections.abc import Iterator

from flask import g, stream_with_context

# Set on `g` for a request whose response is a streamed download.
READS_ONLY = "streams_reads_only"


def stream_download(chunks: Iterator[str]) -> Iterator[str]:
    """Stream `chunks` inside the request's context. The view has committed whatever it wrote
    (its audit rows) before returning; what runs while the download streams only reads. So on
    SQLite its transaction begins with a plain BEGIN: a request's usual BEGIN IMMEDIATE would
    hold the database's single write lock for as long as a slow download takes, and every
    other person's change would wait for it."""
    g.setdefault(READS_ONLY, True)
    return stream_with_context(chunks)


def streaming_reads_only() -> bool:
    return bool(g.get(READS_ONLY, False))
