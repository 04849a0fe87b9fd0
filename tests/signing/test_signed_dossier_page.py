"""The dossier page in real Chromium shows a signed result as signed, and a revoked one as
revoked.

An office whose unit signs results (PKCS#12 agency key of the certomancer test PKI, B-T
with its timestamp server on loopback, OCSP asked on verification) digitises two results
with `sohoa process` and revokes the second with `sohoa revoke`; `sohoa serve` runs on the
same SOHOA_HOME. A clerk of the unit opens the dossier page: the signature line names the
agency, the level and the signing time as dd/mm/yyyy hh:mm:ss +07:00; "Kiểm tra chữ ký"
checks the stored file and says valid, certificate not revoked; the revoked result carries
the revoked tag with its reason.

The documents are made by `sohoa` subprocesses before the browser opens (pyHanko runs its
own asyncio loop; Playwright's sync API keeps one marked running in this process).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import images
from tests.signing.pki import AGENCY_NAME, PkiFiles
from tests.web.conftest import (
    CLERK,
    PASSWORD,
    SOHOA,
    UNIT,
    _wait_until_serving,
    add_user,
    browser_login,
    free_port,
)

CODE = f"{UNIT}-240101-0042"
REASON = "Cấp sai thông tin người nhận"
#: What the page shows of a signing time: the mark's own format, with the offset.
SIGNING_TIME = r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2} \+07:00"


@dataclass(frozen=True)
class Office:
    url: str
    home: Path


def run(env: dict[str, str], *args: str | Path) -> str:
    done = subprocess.run(
        [*SOHOA, *map(str, args)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, pki: PkiFiles) -> Iterator[Office]:
    home = tmp_path_factory.mktemp("signed-office")
    config = home / "signing.yaml"
    config.write_text(
        f"""verify_fetch_revocation: true
units:
  {UNIT}:
    sign: result
    level: B-T
    tsa_url: {pki.tsa_url}
    trust_roots: [{pki.root_cert}]
    pkcs12: {{file: {pki.agency_p12}, passphrase_file: {pki.agency_p12_passphrase}}}
""",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_LANG="vi", SOHOA_JOBS="1",
               SOHOA_SIGNING_CONFIG=str(config))  # fmt: skip
    add_user(env, CLERK, "clerk", UNIT, "Nguyễn Văn Bình")
    for n, lines in enumerate((("QUYẾT ĐỊNH", "Cấp giấy phép"), ("QUYẾT ĐỊNH", "Thu hồi")), 1):
        scan = images.save_jpeg(images.text_page(lines).image, home / f"ket-qua-{n}.jpg")
        run(env, "process", scan, "--case", CODE, "--kind", "result")
    run(env, "revoke", CODE, "KQ2", "--reason", REASON, "--by", "Trưởng phòng")
    port = free_port()
    with (home / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [*SOHOA, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_serving(url, server)
            yield Office(url, home)
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture
def page(office: Office, chromium: Any) -> Iterator[Any]:
    """A clerk of the unit signed in (the office is made before the browser starts)."""
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    browser_login(page, office, CLERK, PASSWORD)  # type: ignore[arg-type]
    page.wait_for_url(f"{office.url}/")
    yield page
    context.close()


def card(page: Any, name: str) -> Any:
    return page.locator("section.document").filter(has=page.locator("h2 code", has_text=name))


def test_a_signed_result_shows_its_signer_time_level_and_a_valid_check(
    office: Office, page: Any
) -> None:
    page.goto(f"{office.url}/ho-so/{CODE}")
    signed = card(page, f"{CODE}-KQ1")
    line = signed.locator("dd.signature").inner_text()
    assert re.fullmatch(rf"PAdES B-T · {AGENCY_NAME} · {SIGNING_TIME}", line), line
    assert signed.locator(".tag.bad").count() == 0  # not revoked

    signed.get_by_role("button", name="Kiểm tra chữ ký").click()
    verdict = card(page, f"{CODE}-KQ1").locator("dl.verification")
    verdict.wait_for()
    text = verdict.inner_text()
    assert "✔ hợp lệ · PAdES B-T" in text and AGENCY_NAME in text, text
    assert re.search(SIGNING_TIME, text), text
    assert "chứng thư chưa bị thu hồi" in text, text  # OCSP asked: the certificate is good


def test_a_revoked_result_is_shown_revoked_with_its_reason(office: Office, page: Any) -> None:
    page.goto(f"{office.url}/ho-so/{CODE}")
    revoked = card(page, f"{CODE}-KQ2")
    assert revoked.locator("h2 .tag.bad").inner_text() == "đã thu hồi"
    facts = revoked.locator("dl.facts").first.inner_text()
    assert REASON in facts and "Trưởng phòng" in facts, facts
    # Revoked (thu hồi) is the result's state; its signature stays the agency's and valid.
    assert re.search(rf"PAdES B-T · {AGENCY_NAME} · {SIGNING_TIME}", facts), facts
