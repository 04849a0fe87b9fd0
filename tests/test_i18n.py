"""One message catalogue: every message id of the sources is in it, with a Vietnamese text.

`scripts/messages` extracts the ids (Python and templates, and the commands' help
texts); a message added to the code without running it, or left untranslated in vi,
fails here.
"""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

from babel.messages.pofile import read_po

from sohoa import i18n

ROOT = Path(__file__).parents[1]
LOCALE = ROOT / "sohoa" / "locale"


def ids(path: Path) -> set[str]:
    with path.open("rb") as po:
        return {str(m.id) for m in read_po(po) if m.id}


def test_the_catalogue_holds_every_message_of_the_sources(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(ROOT / ".venv/bin/pybabel") if (ROOT / ".venv/bin/pybabel").exists() else "pybabel",
            "extract",
            "-F",
            str(LOCALE / "babel.cfg"),
            "-k",
            "_",
            "-k",
            "N_",
            "-k",
            "gettext",
            "-k",
            "translate:2",
            "--omit-header",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    # and the commands' help texts, which pybabel cannot see (sohoa/cli_help.py)
    subprocess.run([sys.executable, "-m", "sohoa.cli_help", str(fresh)], check=True)
    assert ids(fresh) == ids(LOCALE / "messages.pot"), "run scripts/messages"


def test_every_message_has_a_vietnamese_text_in_nfc() -> None:
    with (LOCALE / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    assert {str(m.id) for m in catalog if m.id} == ids(LOCALE / "messages.pot")
    for message in catalog:
        if message.id:
            assert message.string, f"no Vietnamese text for {message.id!r}"
            assert unicodedata.is_normalized("NFC", str(message.string))


def test_language_comes_from_the_request_or_the_setting() -> None:
    assert i18n.gettext("vi").gettext("Sign in") == "Đăng nhập"
    assert i18n.gettext("en").gettext("Sign in") == "Sign in"
    assert i18n.gettext("fr").gettext("Sign in") == "Đăng nhập"  # Vietnamese first
    assert i18n.from_accept_language("en-US,en;q=0.9,vi;q=0.8") == "en"
    assert i18n.from_accept_language("vi-VN,vi;q=0.9") == "vi"
    assert i18n.from_accept_language("fr-FR") is None


def test_dates_are_dd_mm_yyyy_on_the_vietnam_clock() -> None:
    from datetime import UTC, datetime

    late_utc = datetime(2025, 12, 31, 18, 30, tzinfo=UTC)  # already 1 January in Hà Nội
    assert i18n.format_date(late_utc) == "01/01/2026"
    assert i18n.format_datetime(late_utc) == "01/01/2026 01:30"
