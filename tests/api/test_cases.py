"""Upload → job → stored document → listed and downloadable; clear 4xx for everything else."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from tests.api.conftest import API, CODE, Api
from tests.images import text_page


def test_upload_result_then_list_and_download(api: Api, page_png: Path) -> None:
    headers = api.auth("upload")
    accepted = api.upload(page_png, headers, kind="result")
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert body["state"] in ("queued", "running", "done")
    assert accepted.headers["location"] == f"{API}/jobs/{body['id']}"

    job = api.wait(body["id"], headers)
    assert job["state"] == "done", job
    assert job["duplicate"] is False
    document = job["document"]
    assert document["result_code"] == f"{CODE}-KQ1"
    assert document["status"] == "stored" and document["pdfa_valid"] is True

    case = api.client.get(f"{API}/cases/{CODE}", headers=api.auth("read"))
    assert case.status_code == 200
    [listed] = case.json()["documents"]
    assert listed["name"] == f"{CODE}-KQ1"
    assert listed["kind"] == "result" and listed["number"] == 1
    assert listed["pages"] == 1 and listed["dropped_pages"] == []
    assert listed["source_name"] == page_png.name
    assert listed["created"].endswith("+07:00")
    assert listed["job"]["id"] == body["id"] and listed["job"]["state"] == "done"

    pdf = api.client.get(listed["href"], headers=headers)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    digest = hashlib.sha256(pdf.content).digest()
    assert hashlib.sha256(pdf.content).hexdigest() == listed["sha256"]
    assert pdf.headers["etag"] == f'"{listed["sha256"]}"'
    assert pdf.headers["digest"] == "sha-256=" + base64.b64encode(digest).decode()
    assert pdf.content.startswith(b"%PDF-")
    for ref in ("KQ1", f"{CODE}-KQ1", f"%23{listed['id']}"):
        again = api.client.get(
            f"{API}/cases/{CODE}/documents/{ref}",
            headers={**headers, "If-None-Match": pdf.headers["etag"]},
        )
        assert again.status_code == 304, ref
    assert not list(api.client.app.state.sohoa.settings.resolved_inbox_dir.glob("*"))  # type: ignore[attr-defined]


def test_same_bytes_twice_is_a_duplicate(api: Api, page_png: Path) -> None:
    headers = api.auth()
    first = api.wait(api.upload(page_png, headers).json()["id"], headers)
    second = api.wait(api.upload(page_png, headers).json()["id"], headers)
    assert (first["duplicate"], second["duplicate"]) == (False, True)
    assert first["document"]["id"] == second["document"]["id"]
    assert first["document"]["name"] == f"{CODE}.1"


def test_a_rejected_scan_fails_its_job_with_both_messages(api: Api, tmp_path: Path) -> None:
    low = tmp_path / "low.png"
    text_page().image.resize((400, 560)).save(low, dpi=(72, 72))
    headers = api.auth()
    job = api.wait(api.upload(low, headers).json()["id"], headers)
    assert job["state"] == "failed"
    assert job["error"]["code"] == "low_resolution"
    assert "200 dpi" in job["error"]["message_en"] and "độ phân giải" in job["error"]["message_vi"]
    case = api.client.get(f"{API}/cases/{CODE}", headers=headers)  # the row stays, rejected
    assert case.status_code == 200
    (document,) = case.json()["documents"]
    assert (document["status"], document["number"]) == ("rejected", None)
    assert document["reason"] == job["error"]


def test_invalid_dossier_code_is_400_in_both_languages(api: Api, page_png: Path) -> None:
    headers = api.auth()
    for response in (
        api.client.get(f"{API}/cases/not-a-code", headers=headers),
        api.client.get(f"{API}/cases/000.00.20.H56-241301-0001/documents/1", headers=headers),
        api.upload(page_png, headers, code="XYZ"),
    ):
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "invalid_dossier_code"
        assert error["message_vi"].startswith("Mã hồ sơ không hợp lệ")
        assert error["message_en"].startswith("Invalid dossier code")


def test_a_code_with_arabic_indic_digits_is_400_and_names_the_character(api: Api) -> None:
    look_alike = CODE.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = api.client.get(f"{API}/cases/{look_alike}", headers=api.auth("read"))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_dossier_code"
    assert "non-ASCII character '\u0660'" in error["message_en"]
    assert "không phải ASCII" in error["message_vi"]


def test_a_document_number_of_20_digits_is_400(api: Api) -> None:
    headers = api.auth("read")
    for ref in ("99999999999999999999", "%2399999999999999999999", "KQ99999999999999999999"):
        response = api.client.get(f"{API}/cases/{CODE}/documents/{ref}", headers=headers)
        assert response.status_code == 400, (ref, response.text)
        assert response.json()["error"]["code"] == "invalid_document_ref"
        assert "more than 9 digits" in response.json()["error"]["message_en"]


def test_unknown_dossier_document_and_job_are_404(api: Api) -> None:
    headers = api.auth("read")
    cases = {
        f"{API}/cases/{CODE}": "unknown_dossier",
        f"{API}/cases/{CODE}/documents/KQ3": "unknown_document",
        f"{API}/jobs/{'a' * 32}": "unknown_job",
    }
    for url, code in cases.items():
        response = api.client.get(url, headers=headers)
        assert response.status_code == 404, url
        error = response.json()["error"]
        assert error["code"] == code and error["message_vi"].startswith("Không tìm thấy")
    bad_ref = api.client.get(f"{API}/cases/{CODE}/documents/page-one", headers=headers)
    assert bad_ref.status_code == 400
    assert bad_ref.json()["error"]["code"] == "invalid_document_ref"


def test_uploads_that_are_not_scans_are_refused(api: Api, tmp_path: Path) -> None:
    headers = api.auth()
    url = f"{API}/cases/{CODE}/documents"
    text = api.client.post(url, headers=headers, files={"file": ("a.txt", b"hello", "text/plain")})
    assert (text.status_code, text.json()["error"]["code"]) == (415, "unsupported_upload")
    empty = api.client.post(url, headers=headers, files={"file": ("a.pdf", b"", "application/pdf")})
    assert (empty.status_code, empty.json()["error"]["code"]) == (422, "empty_upload")
    kind = api.client.post(
        url, headers=headers, files={"file": ("a.pdf", b"%PDF-1.7", "x")}, data={"kind": "other"}
    )
    assert (kind.status_code, kind.json()["error"]["code"]) == (422, "invalid_kind")
    missing = api.client.post(url, headers=headers, data={"kind": "intake"})
    assert (missing.status_code, missing.json()["error"]["code"]) == (422, "missing_file")
    assert not list(api.client.app.state.sohoa.settings.resolved_inbox_dir.glob("*"))  # type: ignore[attr-defined]
