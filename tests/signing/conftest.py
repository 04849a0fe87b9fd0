"""Signing fixtures: a certomancer PKI on loopback (TSA, OCSP, CRL), a SoftHSM2 token
holding the agency's key and certificate, and a small PDF/A-2b to sign.

All session-scoped: made once. SOFTHSM2_CONF points at a token directory in a temp
folder for the whole session (the variable is read by the PKCS#11 module at load).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from signing import keys
from signing.keys import SOFTHSM_MODULE, Pkcs11Key, Pkcs12Key, Secret
from tests.signing.pki import PkiServer, PkiFiles

TOKEN_LABEL = "sohoa-test-token"
KEY_LABEL = "agency"


@dataclass(frozen=True)
class Token:
    module: Path
    token_label: str
    key_label: str
    pin_file: Path

    def key(self) -> Pkcs11Key:
        return Pkcs11Key(self.module, self.token_label, self.key_label,
                         Secret.from_file(self.pin_file))


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
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\n")
    before = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    pin_file = base / "pin"
    pin_file.write_text("246810\n")
    run = _runner()
    run("softhsm2-util", "--init-token", "--free", "--label", TOKEN_LABEL,
        "--pin", "246810", "--so-pin", "135791")
    run("softhsm2-util", "--import", str(pki.agency_key), "--token", TOKEN_LABEL,
        "--label", KEY_LABEL, "--id", "01", "--pin", "246810")
    for label, cert, ident in (("agency", pki.agency_cert, "01"),
                               ("interm", pki.interm_cert, "02")):
        der = base / f"{label}.der"
        der.write_bytes(
            x509.load_pem_x509_certificate(cert.read_bytes()).public_bytes(Encoding.DER)
        )
        run("pkcs11-tool", "--module", str(SOFTHSM_MODULE), "--token-label", TOKEN_LABEL,
            "--login", "--pin", "246810", "--write-object", str(der), "--type", "cert",
            "--label", label, "--id", ident)
    yield Token(SOFTHSM_MODULE, TOKEN_LABEL, KEY_LABEL, pin_file)
    keys.close_all()
    if before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = before


def _runner():  # type: ignore[no-untyped-def]
    def run(*args: str) -> None:
        done = subprocess.run(args, capture_output=True, text=True, env=os.environ.copy())
        assert done.returncode == 0, f"{args[0]} failed: {done.stdout}{done.stderr}"

    return run


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
