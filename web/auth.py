"""Who is signed in, and what they may open: the dependencies every page uses.

- ``require_user(*roles)``: a signed-in, active user with one of ``roles``
  (an admin passes every check); without a session the browser is sent to
  the login page. Each page route declares one, and
  ``tests/web/test_route_roles.py`` checks every registered route against it.
- ``require_dossier_access(user, code)``: the dossier's unit must be the
  user's unit or one below it; admins see all; supervisors read (never write).
- ``check_csrf``: every POST carries the session's synchroniser token; it is
  a dependency of the whole web router, so no form can forget it.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from sohoa.i18n import N_
from sohoa.storage.accounts import ROLES, Role, User
from sohoa.web.context import web_of
from sohoa.web.errors import Forbidden, SignInRequired
from sohoa.web.units import covers

SESSION_COOKIE = "sohoa_session"
#: Before signing in there is no session: the login form's token is this cookie's value.
LOGIN_CSRF_COOKIE = "sohoa_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def current_user(request: Request) -> User | None:
    """The signed-in user of this request (cached on ``request.state``), or None."""
    if hasattr(request.state, "user"):
        found: User | None = request.state.user
        return found
    request.state.user = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(_load_session, request, token)
    return request.state.user  # type: ignore[no-any-return]


def _load_session(request: Request, token: str) -> None:
    web = web_of(request)
    session = web.sessions().find(token)
    if session is None:
        return
    user = web.accounts().by_id(session.user_id)
    if user is None or not user.active:
        return
    request.state.user = user
    request.state.csrf_token = session.csrf_secret
    request.state.nav = navigation(user)


class RoleRequirement:
    """A page's access rule; ``roles`` is read by the route-role tests."""

    def __init__(self, roles: tuple[Role, ...]) -> None:
        self.roles = roles

    async def __call__(self, request: Request) -> User:
        user = await current_user(request)
        if user is None:
            raise SignInRequired
        if not allowed(user, self.roles):
            raise Forbidden
        return user


def require_user(*roles: Role) -> RoleRequirement:
    """Dependency: the signed-in user, who must have one of ``roles`` (none given = any role)."""
    return RoleRequirement(roles or ROLES)


def allowed(user: User, roles: tuple[Role, ...]) -> bool:
    return user.role == "admin" or user.role in roles


def can_open_dossier(
    request: Request, user: User, dossier_code: str, *, write: bool = False
) -> bool:
    """The rule of ``require_dossier_access`` without raising (for lists and links).

    Reads the catalog (the register and the unit tree): call it from a thread
    (``run_in_threadpool``) or a plain ``def`` route.
    """
    if user.role == "admin":
        return True
    if write and user.role == "supervisor":
        return False
    return covers(request, user.unit_code, dossier_code)


def require_dossier_access(
    request: Request, user: User, dossier_code: str, *, write: bool = False
) -> None:
    """Raise Forbidden unless ``user`` may read (or, with ``write``, change) the dossier:
    its unit must be the user's unit or one below it; admins see all; supervisors read all
    in their units but change nothing. Reads the catalog, like :func:`can_open_dossier`."""
    if not can_open_dossier(request, user, dossier_code, write=write):
        raise Forbidden


async def check_csrf(request: Request) -> None:
    """Refuse (403) a state-changing request whose token is missing or not this session's."""
    if request.method in _SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    user = await current_user(request)
    expected = (
        getattr(request.state, "csrf_token", None)
        if user
        else request.cookies.get(LOGIN_CSRF_COOKIE)
    )
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden


def login_csrf_token(request: Request) -> str:
    """The pre-session token of the login form: the browser's, or a new one."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_login_csrf(request: Request, response: Response, token: str) -> None:
    """Keep the login form's token in its own short-lived cookie (sent to /login only)."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path="/login",
    )


def secure_cookies(request: Request) -> bool:
    """Secure when configured, or when the request came over HTTPS (directly or via a
    trusted proxy: uvicorn rewrites the scheme only for SOHOA_WEB_TRUST_PROXY addresses)."""
    return web_of(request).settings.web_secure_cookies or request.url.scheme == "https"


#: Role names as people read them (the templates translate ``user.role`` with these ids).
ROLE_LABELS = {
    "clerk": N_("clerk"),
    "archivist": N_("archivist"),
    "supervisor": N_("supervisor"),
    "admin": N_("admin"),
}
#: What a role sees on its home page and in the menu: (path, message id, roles).
PAGES: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("/counter", N_("Counter"), ("clerk", "archivist")),
    ("/search", N_("Search"), ROLES),
    ("/archive", N_("Archive"), ("archivist",)),
    ("/worklist", N_("Not yet digitised"), ("clerk", "supervisor")),
    ("/reports", N_("Report"), ("clerk", "supervisor")),
    ("/admin/users", N_("Users"), ("admin",)),
    ("/admin/keys", N_("API keys"), ("admin",)),
    ("/admin/system", N_("Scanners and queue"), ("admin", "supervisor")),
)


def navigation(user: User) -> tuple[tuple[str, str], ...]:
    """The links ``user`` may follow: (path, message id), in menu order."""
    return tuple((path, label) for path, label, roles in PAGES if allowed(user, roles))
