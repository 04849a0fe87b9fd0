"""The admin page of API keys issues a key restricted to a unit and lists, for each key,
the units it reaches ("tất cả đơn vị" for a key without one); a bad unit is refused."""

from __future__ import annotations

from tests.web.conftest import ADMIN, Served, csrf_of, signed_in


def test_the_admin_creates_a_key_for_one_district_and_sees_its_units(served: Served) -> None:
    with signed_in(served, ADMIN) as admin:
        token = csrf_of(admin.get("/admin/keys").text)
        form = {"csrf_token": token, "name": "cong-huyen-20", "scope": "read"}
        made = admin.post("/admin/keys", data={**form, "unit": "h56.20"})
        assert made.status_code == 200 and "sohoa_" in made.text, made.text
        assert "H56.20 và các đơn vị cấp dưới" in made.text
        everywhere = admin.post("/admin/keys", data={**form, "name": "toan-tinh-web"})
        assert everywhere.status_code == 200 and "tất cả đơn vị" in everywhere.text
        refused = admin.post("/admin/keys", data={**form, "name": "sai", "unit": "<b>H56"})
        assert refused.status_code == 400
        assert "&lt;b&gt;" in refused.text and "<b>H56" not in refused.text
