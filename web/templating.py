"""Jinja2 templates, one environment per language, and the one way pages are rendered.

One environment per language (two in all) keeps gettext thread-safe: nothing
is installed or swapped per request. Autoescape is on for every template;
``|safe`` is never applied to data that came from a person or a scan.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from sohoa import i18n
from sohoa.web.lang import LANG_COOKIE, LANG_MAX_AGE, request_lang

TEMPLATES = Path(__file__).with_name("templates")


@functools.cache
def environment(lang: i18n.Lang) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.gettext(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = i18n.format_date
    env.filters["datetime"] = i18n.format_datetime
    env.filters["signing_time"] = i18n.format_signing_time
    env.globals["lang"] = lang
    env.globals["other_lang"] = "en" if lang == "vi" else "vi"
    return env


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """The page ``template`` in the request's language, with what every page needs.

    ``values`` reach the template as variables; ``user`` and ``csrf_token`` are
    added from the request (set by the auth dependencies). A ``?lang=`` in the
    URL is remembered in a cookie.
    """
    lang = request_lang(request)
    page = environment(lang).get_template(template)
    state = request.state
    context = {
        "request": request,
        "user": getattr(state, "user", None),
        "csrf_token": getattr(state, "csrf_token", ""),
        "nav": getattr(state, "nav", ()),
        "path": request.url.path,
        "switch_url": switch_url(request, "en" if lang == "vi" else "vi"),
        **values,
    }
    response = HTMLResponse(page.render(context), status_code=status_code)
    response.headers["Content-Language"] = lang
    if request.query_params.get("lang"):
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_MAX_AGE, samesite="lax", httponly=True)
    return response


def switch_url(request: Request, lang: str) -> str:
    """This page in the other language: same path and query, ``lang`` replaced."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*query, ('lang', lang)])}"
