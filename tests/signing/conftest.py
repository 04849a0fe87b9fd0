"""Signing fixtures: a certomancer PKI on loopback (TSA, OCSP, CRL), a SoftHSM2 token
holding the agency's key and certificate, and a small PDF/A-2b to sign.

All session-scoped: made once. SOFTHSM2_CONF points at a token directory in a temp
folder for the whole session (the variable is read by the PKCS#11 module at load).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pytest

from sohoa.signing import keys
from sohoa.signing.keys import SOFTHSM_MODULE, Pkcs12Key, Secret
from tests.signing.pki import PkiFiles, PkiServer
from tests.signing.softhsm import Token, init_token

__all__ = ["Token", "make_pdfa"]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PkiFiles]:
    with PkiServer(tmp_path_factory.mktemp("pki")) as running:
        yield running


@pytest.fixture(scope="session")
def p12_key(pki: PkiFiles) -> Pkcs12Key:
    return Pkcs12Key(pki.agency_p12, Secret.from_file(pki.agency_p12_passphrase))


@pytest.fixture(scope="session")
def softhsm(pki: PkiFiles, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Token]:
    """A SoftHSM2 token with the agency's key (PKCS#8) and certificate chain."""
    if not SOFTHSM_MODULE.exists():
        pytest.fail(f"{SOFTHSM_MODULE} missing: scripts/install.sh installs softhsm2")
    before = os.environ.get("SOFTHSM2_CONF")
    yield init_token(pki, tmp_path_factory.mktemp("softhsm"))
    keys.close_all()
    if before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = before


@pytest.fixture(scope="session")
def pdfa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-page A4 PDF/A-2b (as the pipeline's assembly writes: validated on save)."""
    return make_pdfa(tmp_path_factory.mktemp("pdfa") / "document.pdf")


def make_pdfa(path: Path, rotate: int = 0) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    page.contents_add(pikepdf.Stream(pdf, b"0 0 0 rg 50 700 200 60 re f"))
    if rotate:
        page.obj.Rotate = rotate
    pikepdf.pdfa.prepare(pdf, "2b")
    pikepdf.pdfa.save(pdf, path, "2b")
    return path
