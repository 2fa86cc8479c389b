"""Reading pages and emails for the language tests: visible text, and English that leaked."""

import html as html_lib
import re
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SPANISH_PO = ROOT / "consent" / "translations" / "es" / "LC_MESSAGES" / "messages.po"


def text_of(page: str) -> str:
    """What a reader sees: tags dropped, entities decoded, spaces collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]*)"', page)
    assert match, "the page has no <html lang>"
    return match.group(1)


@cache
def _english_phrases() -> tuple[frozenset[str], tuple[str, ...]]:
    """Interface phrases whose Spanish differs, none of which may show on a Spanish page:
    (short ones, matched as a whole piece of text; sentences of four words or more, matched
    anywhere). Without placeholders, so that a name, or a tool's own English description
    (data, not interface), cannot match by accident."""
    with SPANISH_PO.open("rb") as f:
        catalog = read_po(f)
    phrases = [
        message.id
        for message in catalog
        if isinstance(message.id, str)
        and "%" not in message.id
        and len(message.id.split()) >= 2
        and message.string
        and message.string != message.id
    ]
    return (
        frozenset(p.rstrip(".:") for p in phrases),
        tuple(p for p in phrases if len(p.split()) >= 4),
    )


def _pieces(page: str) -> list[str]:
    """Each text between tags, each attribute a person reads, each line of a plain email."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    attributes = re.findall(r'\b(?:value|aria-label|title|placeholder|alt)="([^"]*)"', page)
    texts = re.split(r"<[^>]+>|\n", page)
    return [" ".join(html_lib.unescape(t).split()) for t in texts + attributes]


def english_leaks(page: str) -> list[str]:
    short, sentences = _english_phrases()
    pieces = [p for p in _pieces(page) if p]
    leaks = {p for p in pieces if p.rstrip(".:") in short}
    leaks |= {s for s in sentences for p in pieces if s in p}
    return sorted(leaks)
