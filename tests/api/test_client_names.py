"""Errors a client sees name the file the client sent, never the server's inbox path."""

from __future__ import annotations

import re

from tests.api.conftest import API, CODE, Api


def test_a_corrupt_upload_is_reported_under_the_clients_file_name(api: Api) -> None:
    headers = api.auth()
    response = api.client.post(
        f"{API}/cases/{CODE}/documents",
        headers=headers,
        files={"file": ("don-xin.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", "application/pdf")},
    )
    assert response.status_code == 202, response.text
    job = api.wait(response.json()["id"], headers)
    assert job["state"] == "failed"
    inbox = api.client.app.state.sohoa.settings.resolved_inbox_dir  # type: ignore[attr-defined]
    for message in (job["error"]["message_en"], job["error"]["message_vi"]):
        assert message.startswith("don-xin.pdf: "), message
        assert str(inbox) not in message
        assert re.search(r"[0-9a-f]{64}", message) is None, message  # the landed name
    listed = api.client.get(f"{API}/cases/{CODE}", headers=headers).json()
    for document in listed["documents"]:
        assert str(inbox) not in str(document) and "don-xin.pdf" in str(document)
