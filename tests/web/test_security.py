"""The pages' security rules, checked over HTTP against a real `sohoa serve`.

Every POST needs the session's CSRF token; every page route declares who may open it
and a clerk is refused the admin pages, route by route; sign-in is throttled.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from sohoa.web.app import PUBLIC, page_routes
from sohoa.web.auth import RoleRequirement
from tests.web.conftest import ADMIN, CLERK, LOCKED, PASSWORD, Served, csrf_of, signed_in

#: Values for path parameters of the routes walked below.
SAMPLES = {
    "username": CLERK,
    "name": "khoa-thu",
    "code": "000.00.20.H56-240101-0001",
    "doc_id": 1,
    "version": 1,
    "page": 1,
}


def web_routes() -> list[tuple[str, str, APIRoute]]:
    routes = []
    for route in page_routes():
        for method in sorted(route.methods):
            routes.append((method, route.path, route))
    return routes


def required_roles(route: APIRoute) -> tuple[str, ...] | None:
    """The roles of the route's require_user dependency, or None when it has none."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, RoleRequirement):
            return dependency.call.roles
        pending.extend(dependency.dependencies)
    return None


ROUTES = web_routes()
IDS = [f"{method} {path}" for method, path, _ in ROUTES]


@pytest.mark.parametrize(("method", "path", "route"), ROUTES, ids=IDS)
def test_every_route_declares_who_may_use_it(method: str, path: str, route: APIRoute) -> None:
    roles = required_roles(route)
    assert (roles is None) == ((method, path) in PUBLIC), "declare require_user(...) or PUBLIC"


@pytest.mark.parametrize(("method", "path", "route"), ROUTES, ids=IDS)
def test_a_clerk_gets_only_the_routes_of_their_role(
    served: Served, method: str, path: str, route: APIRoute
) -> None:
    roles = required_roles(route)
    if roles is None:
        pytest.skip("public route")
    url = path.format(**SAMPLES)
    with served.client() as anonymous:
        answer = anonymous.request(method, url, data={"csrf_token": "x"})
        assert answer.status_code in (303, 403)  # GET: to the login page; POST: no session
        if method == "GET":
            assert answer.headers["location"].startswith("/login?next=")
    with signed_in(served, CLERK) as clerk:
        token = csrf_of(clerk.get("/").text)
        # streamed: a live route (Server-Sent Events) answers at once but never ends
        with clerk.stream(method, url, data={"csrf_token": token}) as answer:
            if "clerk" in roles:
                assert answer.status_code != 403
            else:
                assert answer.status_code == 403
                assert "Bạn không có quyền" in answer.read().decode()


def test_admin_pages_open_for_an_admin(served: Served) -> None:
    with signed_in(served, ADMIN) as admin:
        for path in ("/admin/users", "/admin/keys", "/admin/system"):
            assert admin.get(path).status_code == 200, path


@pytest.mark.parametrize("token", [None, "", "not-the-session-token"])
def test_a_post_without_the_session_csrf_token_is_refused(
    served: Served, token: str | None
) -> None:
    form = {
        "username": "moi",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "role": "clerk",
        "unit_code": "000.00.20.H56",
    }
    if token is not None:
        form["csrf_token"] = token
    with signed_in(served, ADMIN) as admin:
        answer = admin.post("/admin/users", data=form)
        assert answer.status_code == 403
        assert "moi" not in admin.get("/admin/users").text
        assert admin.post("/logout", data={}).status_code == 403  # still signed in
        assert admin.get("/admin/users").status_code == 200


def test_the_login_form_needs_its_own_token(served: Served) -> None:
    with served.client() as client:
        answer = client.post("/login", data={"username": ADMIN, "password": PASSWORD})
        assert answer.status_code == 403
        assert "sohoa_session" not in answer.cookies


def test_logout_ends_the_session_on_the_server(served: Served) -> None:
    with signed_in(served, ADMIN) as admin:
        cookie = admin.cookies["sohoa_session"]
        token = csrf_of(admin.get("/").text)
        assert admin.post("/logout", data={"csrf_token": token}).status_code == 303
    with served.client() as replay:
        replay.cookies.set("sohoa_session", cookie)
        assert replay.get("/").status_code == 303  # the copied cookie is dead too


def test_session_cookie_is_httponly_and_samesite(served: Served) -> None:
    with served.client() as client:
        token = csrf_of(client.get("/login").text)
        answer = client.post(
            "/login", data={"username": ADMIN, "password": PASSWORD, "csrf_token": token}
        )
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie


def test_five_wrong_passwords_lock_the_username(served: Served) -> None:
    with served.client() as client:
        token = csrf_of(client.get("/login").text)

        def attempt(password: str) -> tuple[int, str]:
            answer = client.post(
                "/login", data={"username": LOCKED, "password": password, "csrf_token": token}
            )
            return answer.status_code, answer.text

        for _ in range(5):
            status, text = attempt("sai-mat-khau")
            assert status == 401 and "Sai tên đăng nhập hoặc mật khẩu" in text
        status, text = attempt(PASSWORD)  # even the right password, while locked
        assert status == 429
        assert "Đăng nhập sai quá nhiều lần" in text
        assert re.search(r"15\s+phút", text)


def test_the_search_page_is_a_walked_route_open_to_every_role() -> None:
    """The route-role tests above cover /search; every role may search its own units."""
    search = [route for method, path, route in ROUTES if (method, path) == ("GET", "/search")]
    assert len(search) == 1
    assert set(required_roles(search[0]) or ()) == {"clerk", "archivist", "supervisor", "admin"}
