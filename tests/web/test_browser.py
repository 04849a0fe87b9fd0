"""The pages in a real Chromium: sign in and out, wrong password, role refusal, XSS.

Screenshots at 1366x768 are saved in tests/web/artifacts/ (login, admin users).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import ADMIN, CLERK, PASSWORD, Served, browser_login, screenshot

pytestmark = pytest.mark.browser
XSS_NAME = '"><img src=x onerror=alert(1)>'


def test_sign_in_and_out(served: Served, page: Any) -> None:
    page.goto(f"{served.url}/")
    assert page.url.startswith(f"{served.url}/login?next=")
    screenshot(page, "login")
    page.fill("#username", ADMIN)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")  # the keyboard alone is enough
    page.wait_for_url(f"{served.url}/")
    assert page.locator("h1").inner_text() == "Xin chào, Quản trị viên"
    assert page.locator("nav a", has_text="Người dùng").count() == 1
    page.click("text=Đăng xuất")
    page.wait_for_url(f"{served.url}/login")
    page.goto(f"{served.url}/admin/users")
    assert "/login" in page.url


def test_wrong_password_says_so_in_vietnamese(served: Served, page: Any) -> None:
    browser_login(page, served, CLERK, "khong-dung-mat-khau")
    assert page.locator("[role=alert]").inner_text() == "Sai tên đăng nhập hoặc mật khẩu."


def test_english_by_the_switch(served: Served, page: Any) -> None:
    page.goto(f"{served.url}/login")
    page.click("a.lang")
    assert page.locator("h1").inner_text() == "Sign in"
    page.goto(f"{served.url}/login")  # remembered in the cookie
    assert page.locator("h1").inner_text() == "Sign in"


def test_a_clerk_sees_no_admin_link_and_is_refused_the_admin_page(
    served: Served, page: Any
) -> None:
    browser_login(page, served, CLERK)
    page.wait_for_url(f"{served.url}/")
    assert page.locator("nav a", has_text="Người dùng").count() == 0
    answer = page.goto(f"{served.url}/admin/users")
    assert answer.status == 403
    assert "Bạn không có quyền mở trang này" in page.content()


def test_a_display_name_with_markup_is_shown_as_text(served: Served, page: Any) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    browser_login(page, served, ADMIN)
    page.wait_for_url(f"{served.url}/")
    page.goto(f"{served.url}/admin/users")
    page.fill("#new-username", "xss-thu")
    page.fill("#new-display", XSS_NAME)
    page.fill("#new-password", PASSWORD)
    page.fill("#new-password2", PASSWORD)
    page.click("text=Tạo tài khoản")
    page.wait_for_url(f"{served.url}/admin/users?done=created")
    assert page.locator("#users td.name", has_text=XSS_NAME).count() == 1
    assert page.locator("#users img").count() == 0
    assert dialogs == []
    screenshot(page, "admin-users")
