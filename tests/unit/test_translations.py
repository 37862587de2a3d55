"""The storefront is really translated: every message of the code is in every catalog,
translated, and the compiled .mo files say the same as the .po files."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "shop" / "translations"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [
            str(pybabel),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        return {_key(m.id) for m in read_po(f) if m.id}


def _key(message_id) -> str:
    return message_id[0] if isinstance(message_id, (list, tuple)) else message_id


@pytest.mark.parametrize("language", ["tr", "pl", "fa"])
def test_every_message_is_translated(language, extracted):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {
        _key(m.id)
        for m in catalog
        if m.id and not m.fuzzy and m.string and (not isinstance(m.string, tuple) or all(m.string))
    }

    assert extracted - translated == set(), "run script/translations and translate what is missing"


@pytest.mark.parametrize("language", ["tr", "pl", "fa"])
def test_the_compiled_catalog_is_up_to_date(language):
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as f:
        source = {
            _key(m.id): tuple(m.string) if isinstance(m.string, (list, tuple)) else m.string
            for m in read_po(f)
            if m.id and not m.fuzzy
        }
    with (folder / "messages.mo").open("rb") as f:
        compiled = {
            _key(m.id): tuple(m.string) if isinstance(m.string, (list, tuple)) else m.string
            for m in read_mo(f)
            if m.id
        }

    assert compiled == source, "run script/translations to compile"
