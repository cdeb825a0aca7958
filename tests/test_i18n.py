"""Simplified Chinese is complete: every string in the code has a translation."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from tests.environment import require_or_skip

LOCALE = Path(settings.BASE_DIR) / "locale"
ZH_PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
ZH_MO = ZH_PO.with_suffix(".mo")
IGNORED = [".venv", "static/vendor", "tests", "apps/fleet/planner", "build", "staticfiles"]


def _untranslated(po: polib.POFile) -> list[str]:
    return [entry.msgid for entry in po if not entry.obsolete and not entry.translated()]


def test_the_chinese_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    po = polib.pofile(str(ZH_PO))
    assert _untranslated(po) == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    assert len(po) > 100


def test_the_compiled_catalogue_matches_the_source() -> None:
    po = polib.pofile(str(ZH_PO))
    mo = polib.mofile(str(ZH_MO))
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in mo}
    missing = [
        e.msgid for e in po.translated_entries() if compiled.get((e.msgctxt, e.msgid)) != e.msgstr
    ]
    assert missing == [], "run `make messages` to recompile the catalogue"


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path: Path) -> None:
    require_or_skip(shutil.which("xgettext"), "gettext (xgettext) is not installed")
    backup = tmp_path / "django.po"
    shutil.copy(ZH_PO, backup)
    try:
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            ignore_patterns=IGNORED,
            no_obsolete=True,
            verbosity=0,
        )
        fresh = polib.pofile(str(ZH_PO))
    finally:
        shutil.copy(backup, ZH_PO)
    assert _untranslated(fresh) == [], "new strings need a Chinese translation (make messages)"


@pytest.mark.django_db
def test_pages_speak_chinese_by_default(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/org/login/").content.decode()
    assert "用户名或手机号" in body
    assert 'lang="zh-hans"' in body


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese_until_someone_chooses(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/org/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "用户名或手机号" in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/org/login/"})
    body = client.get("/org/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "Username or mobile number" in body
