"""The language of a web request: ``?lang=``, then the ``lang`` cookie, then Accept-Language."""

from __future__ import annotations

from fastapi import Request

from sohoa import i18n

LANG_COOKIE = "lang"
LANG_MAX_AGE = 365 * 24 * 3600


def request_lang(request: Request) -> i18n.Lang:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen:
        return i18n.pick(chosen)
    return i18n.from_accept_language(request.headers.get("accept-language")) or i18n.DEFAULT_LANG


def translate(request: Request, message: str, **values: object) -> str:
    """``message`` in the request's language, with ``%(name)s`` placeholders filled."""
    text = i18n.gettext(request_lang(request)).gettext(message)
    return text % values if values else text
