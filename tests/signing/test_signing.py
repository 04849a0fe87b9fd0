"""Signing a stored PDF/A: PAdES levels, both key sources, the visible mark, tampering."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from sohoa.signing.keys import Pkcs12Key
from sohoa.signing.pades import SignRequest, TimestampFailed, sign_pdf
from sohoa.signing.verify import verify_pdf
from tests.signing.conftest import Token, make_pdfa
from tests.signing.pki import AGENCY_NAME, PkiFiles

MARK_TIME = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")


def sign(source: Path, tmp: Path, request: SignRequest) -> Path:
    out = tmp / "signed.pdf"
    sign_pdf(source, out, request, tmp)
    return out


def page_one_text(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_a_pkcs12_signed_pdfa_passes_signature_and_pdfa_checks(
    pdfa: Path, pki: PkiFiles, p12_key: Pkcs12Key, tmp_path: Path
) -> None:
    signed = sign(pdfa, tmp_path, SignRequest(p12_key, trust_roots=(pki.root_cert,)))
    check = verify_pdf(signed, (pki.root_cert,))
    assert check.valid, check.problems
    assert (check.signer, check.level) == (AGENCY_NAME, "B-B")
    assert check.pdfa_valid


def test_the_mark_extracts_as_the_agency_name_and_vietnam_time(
    pdfa: Path, pki: PkiFiles, p12_key: Pkcs12Key, tmp_path: Path
) -> None:
    signed = sign(pdfa, tmp_path, SignRequest(p12_key, trust_roots=(pki.root_cert,)))
    text = page_one_text(signed)
    assert AGENCY_NAME in text  # diacritics intact, NFC
    assert MARK_TIME.search(text)


def test_the_mark_is_at_the_top_right_of_an_upright_page_one(
    pki: PkiFiles, p12_key: Pkcs12Key, tmp_path: Path
) -> None:
    turned = make_pdfa(tmp_path / "turned.pdf", rotate=90)
    signed = sign(turned, tmp_path, SignRequest(p12_key, trust_roots=(pki.root_cert,)))
    with pikepdf.open(signed) as pdf:
        page = pdf.pages[0]
        assert int(page.obj.get("/Rotate", 0)) == 0
        width, height = float(page.mediabox[2]), float(page.mediabox[3])
        assert width > height  # the landscape picture the reader saw
        widget = next(a for a in page.obj.Annots if a.Subtype == "/Widget")
        x1, y1, _x2, _y2 = (float(v) for v in widget.Rect)
        assert x1 > width / 2 and y1 > height / 2
    assert verify_pdf(signed, (pki.root_cert,)).valid


def test_one_changed_byte_fails_validation(
    pdfa: Path, pki: PkiFiles, p12_key: Pkcs12Key, tmp_path: Path
) -> None:
    signed = sign(pdfa, tmp_path, SignRequest(p12_key, trust_roots=(pki.root_cert,)))
    data = bytearray(signed.read_bytes())
    # The middle of the first signed range (before the signature's /Contents), never the
    # unsigned placeholder, whatever the file's size.
    found = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)", data)
    assert found is not None
    start, length = int(found.group(1)), int(found.group(2))
    data[start + length // 2] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    assert not verify_pdf(tampered, (pki.root_cert,)).valid


def test_bytes_appended_after_eof_fail_validation(
    pdfa: Path, pki: PkiFiles, p12_key: Pkcs12Key, tmp_path: Path
) -> None:
    signed = sign(pdfa, tmp_path, SignRequest(p12_key, trust_roots=(pki.root_cert,)))
    appended = tmp_path / "appended.pdf"
    shutil.copy(signed, appended)
    with appended.open("ab") as handle:
        handle.write(b"\n% later\n")
    check = verify_pdf(appended, (pki.root_cert,))
    assert not check.valid


def test_an_unknown_root_is_not_trusted(
    pdfa: Path, pki: PkiFiles, p12_key: Pkcs12Key, tmp_path: Path
) -> None:
    signed = sign(pdfa, tmp_path, SignRequest(p12_key, trust_roots=(pki.root_cert,)))
    check = verify_pdf(signed, ())
    assert not check.signature_valid


def test_a_softhsm_key_signs_b_t_with_the_test_tsa(
    pdfa: Path, pki: PkiFiles, softhsm: Token, tmp_path: Path
) -> None:
    request = SignRequest(softhsm.key(), "B-T", pki.tsa_url, trust_roots=(pki.root_cert,))
    signed = sign(pdfa, tmp_path, request)
    check = verify_pdf(signed, (pki.root_cert,))
    assert check.valid, check.problems
    assert (check.signer, check.level) == (AGENCY_NAME, "B-T")


def test_b_lt_embeds_revocation_data_from_the_test_ocsp_and_crl(
    pdfa: Path, pki: PkiFiles, p12_key: Pkcs12Key, tmp_path: Path
) -> None:
    request = SignRequest(p12_key, "B-LT", pki.tsa_url, trust_roots=(pki.root_cert,))
    check = verify_pdf(sign(pdfa, tmp_path, request), (pki.root_cert,))
    assert check.valid, check.problems
    assert check.level == "B-LT"


def test_a_failed_timestamp_without_fallback_signs_nothing(
    pdfa: Path, pki: PkiFiles, p12_key: Pkcs12Key, tmp_path: Path
) -> None:
    dead = f"{pki.base_url}/no-such-arch/tsa/none"
    request = SignRequest(p12_key, "B-T", dead, trust_roots=(pki.root_cert,))
    with pytest.raises(TimestampFailed):
        sign(pdfa, tmp_path, request)
    assert not (tmp_path / "signed.pdf").exists()
    assert not list(tmp_path.glob(".*.part"))


def test_a_failed_timestamp_with_fallback_signs_b_b_and_says_so(
    pdfa: Path, pki: PkiFiles, p12_key: Pkcs12Key, tmp_path: Path
) -> None:
    dead = f"{pki.base_url}/no-such-arch/tsa/none"
    request = SignRequest(p12_key, "B-T", dead, fallback_to_bb=True, trust_roots=(pki.root_cert,))
    out = tmp_path / "signed.pdf"
    signed = sign_pdf(pdfa, out, request, tmp_path)
    assert (signed.level, signed.fell_back) == ("B-B", True)
    assert verify_pdf(out, (pki.root_cert,)).level == "B-B"
