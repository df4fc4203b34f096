"""The translation catalogues (locale/): complete, compiled, and in step with the code."""

from __future__ import annotations

import gettext
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]
# What makemessages must not scan: the environment, tests (their strings are not the app's),
# benchmarks, documentation and build output.
NOT_SCANNED = {".git", ".venv", "tests", "bench", "docs", "staticfiles", "artifacts", "locale"}


def catalogue(code: str):
    with (LOCALE / code / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po)


def forms(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalogue_has_no_untranslated_and_no_fuzzy_message(code):
    messages = [m for m in catalogue(code) if m.id]
    assert len(messages) > 300
    untranslated = [m.id for m in messages if not all(forms(m.string))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert (untranslated, fuzzy) == ([], [])
    assert not catalogue(code).fuzzy


@pytest.mark.parametrize("code", TRANSLATED)
def test_compiled_catalogue_is_the_po_file(code):
    """The committed .mo (used without gettext installed) holds exactly the .po's messages."""
    expected = {}
    for message in catalogue(code):
        if not message.id:
            continue
        prefix = f"{message.context}\x04" if message.context else ""
        if message.pluralizable:
            for index, text in enumerate(message.string):
                expected[(prefix + message.id[0], index)] = text
        else:
            expected[prefix + message.id] = message.string
    with (LOCALE / code / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    compiled.pop("", None)
    assert compiled == expected


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
@pytest.mark.parametrize("code", TRANSLATED)
def test_makemessages_finds_no_string_missing_from_the_catalogue(code, tmp_path, monkeypatch):
    """A string marked for translation but not translated (or a new one) fails here."""
    project = tmp_path / "project"
    project.mkdir()
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.name in NOT_SCANNED or entry.name.startswith("."):
            continue
        if entry.is_dir():
            shutil.copytree(entry, project / entry.name, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copytree(LOCALE, project / "locale")
    monkeypatch.chdir(project)
    with override_settings(LOCALE_PATHS=[project / "locale"]):
        call_command(
            "makemessages", locale=[code], add_location="file", no_obsolete=True, verbosity=0
        )
    with (project / "locale" / code / "LC_MESSAGES" / "django.po").open("rb") as po:
        extracted = read_po(po)
    committed = {(m.id, m.context) for m in catalogue(code) if m.id}
    found = {(m.id, m.context) for m in extracted if m.id}
    assert sorted(map(str, found - committed)) == []  # marked in the code, missing here
    assert sorted(map(str, committed - found)) == []  # no longer in the code
    assert [m.id for m in extracted if m.id and (m.fuzzy or not all(forms(m.string)))] == []
