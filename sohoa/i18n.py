"""One message catalogue for the CLI, the API and the web pages (gettext, read with Babel).

The catalogue lives in ``sohoa/locale``: ``messages.pot`` (every message id,
extracted from the sources) and ``<lang>/LC_MESSAGES/messages.po`` for
Vietnamese (``vi``, the default) and English (``en``). Message ids are English;
an empty English translation means "the id itself". The ``.po`` files are
read at run time (no compiled ``.mo`` to forget): a clean clone and the wheel
work the same. Texts are NFC so Vietnamese diacritics compare and render the
same everywhere.

Adding a message: write ``_("Text")`` in Python or ``{{ _("Text") }}`` in a
template, run ``scripts/messages`` (extract + update), translate the new
``msgstr`` in ``vi/…/messages.po``; ``tests/test_i18n.py`` fails until every id
has a Vietnamese text.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import io
import os
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from sohoa.clock import vietnam_time

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")
DEFAULT_LANG: Lang = "vi"
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"


@functools.cache
def translations(lang: Lang) -> _gettext.GNUTranslations:
    """The catalogue of ``lang``, parsed once per process (Babel is loaded only then:
    `sohoa --help` and `sohoa ocr` do not need it)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    for message in catalog:
        if isinstance(message.string, str):
            message.string = unicodedata.normalize("NFC", message.string)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(lang: str) -> _gettext.GNUTranslations:
    """The translations of ``lang`` (an unknown language gets Vietnamese)."""
    return translations(pick(lang))


def pick(lang: str | None) -> Lang:
    """A supported language from a cookie, a query or a setting; Vietnamese otherwise."""
    value = (lang or "").strip().lower()[:2]
    for known in LANGS:
        if value == known:
            return known
    return DEFAULT_LANG


def cli_lang() -> Lang:
    """The CLI's language: SOHOA_LANG (the same variable Settings.lang reads)."""
    return pick(os.environ.get("SOHOA_LANG"))


def from_accept_language(header: str | None) -> Lang | None:
    """The first supported language of an Accept-Language header, by quality; None if none."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()[:2]))
    for negative_quality, _position, tag in sorted(ranked):
        if negative_quality < 0 and tag in LANGS:
            return pick(tag)
    return None


def format_date(moment: datetime | date | None) -> str:
    """dd/mm/yyyy on the Vietnam clock ('' for None), as Vietnamese forms write dates."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = vietnam_time(moment)
    return moment.strftime("%d/%m/%Y")


def format_datetime(moment: datetime | None) -> str:
    """dd/mm/yyyy HH:MM on the Vietnam clock ('' for None)."""
    return vietnam_time(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def format_signing_time(moment: datetime | str | None) -> str:
    """dd/mm/yyyy HH:MM:SS +07:00 on the Vietnam clock, as the signature's visible mark
    says it (seconds and the offset: a signing time is evidence); '' for None. An ISO 8601
    string (a verification's JSON) is read first."""
    if not moment:
        return ""
    when = vietnam_time(datetime.fromisoformat(moment) if isinstance(moment, str) else moment)
    offset = when.strftime("%z")  # +0700
    return when.strftime("%d/%m/%Y %H:%M:%S ") + f"{offset[:3]}:{offset[3:]}"


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue where it is translated later (a table of labels)."""
    return message
