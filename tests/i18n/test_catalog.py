"""The Spanish catalog covers every string of the code as it is now: a new English string
without its Spanish fails here, before a Spanish-speaking parent meets it half-translated."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from consent.catalog.models import DATA_CATEGORIES
from consent.core.templating import CATEGORY_LABELS
from tests.i18n.support import ROOT, SPANISH_PO


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory) -> Path:
    """Extract exactly as `make messages` does, into a scratch file."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [pybabel, "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext"]
        + ["-o", str(pot), "."],
        cwd=ROOT,
        check=True,
    )
    return pot


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return bool(strings) and all(s.strip() for s in strings)


def test_every_string_in_the_code_has_its_spanish(fresh_template):
    template = _read(fresh_template)
    spanish = _read(SPANISH_PO)
    untranslated = []
    for message in template:
        if not message.id:
            continue
        found = spanish.get(message.id)
        if found is None or not _translated(found) or found.fuzzy:
            untranslated.append(message.id)
    assert not untranslated, (
        f"{len(untranslated)} strings have no Spanish yet: run `make messages`, then translate "
        "them in consent/translations/es/LC_MESSAGES/messages.po:\n" + "\n".join(untranslated)
    )


def test_the_spanish_keeps_every_placeholder_and_plural(fresh_template):
    spanish = _read(SPANISH_PO)
    assert not spanish.fuzzy, "the catalog's header is marked fuzzy: it would not compile"
    problems = [
        (message.id, [str(e) for e in errors]) for message, errors in spanish.check() if errors
    ]
    assert problems == []
    for message in spanish:
        if message.pluralizable:
            assert len(message.string) == spanish.num_plurals == 2, message.id


def test_every_data_category_has_words_for_families():
    assert set(CATEGORY_LABELS) == set(DATA_CATEGORIES)
