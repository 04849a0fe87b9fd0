"""A SoftHSM2 token holding the test agency's key and certificate chain (tests and bench)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from sohoa.signing.keys import SOFTHSM_MODULE, Pkcs11Key, Secret
from tests.signing.pki import PkiFiles

TOKEN_LABEL = "sohoa-test-token"
KEY_LABEL = "agency"
PIN = "246810"


@dataclass(frozen=True)
class Token:
    module: Path
    token_label: str
    key_label: str
    pin_file: Path

    def key(self) -> Pkcs11Key:
        pin = Secret.from_file(self.pin_file)
        return Pkcs11Key(self.module, self.token_label, self.key_label, pin)


def init_token(pki: PkiFiles, base: Path) -> Token:
    """Initialise a token under ``base`` and point SOFTHSM2_CONF at it (this process)."""
    (base / "tokens").mkdir(parents=True, exist_ok=True)
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    pin_file = base / "pin"
    pin_file.write_text(f"{PIN}\n")
    _run(
        "softhsm2-util",
        "--init-token",
        "--free",
        "--label",
        TOKEN_LABEL,
        "--pin",
        PIN,
        "--so-pin",
        "135791",
    )
    _run(
        "softhsm2-util",
        "--import",
        str(pki.agency_key),
        "--token",
        TOKEN_LABEL,
        "--label",
        KEY_LABEL,
        "--id",
        "01",
        "--pin",
        PIN,
    )
    for label, cert, ident in (
        ("agency", pki.agency_cert, "01"),
        ("interm", pki.interm_cert, "02"),
    ):
        der = base / f"{label}.der"
        pem = x509.load_pem_x509_certificate(cert.read_bytes())
        der.write_bytes(pem.public_bytes(Encoding.DER))
        _run(
            "pkcs11-tool",
            "--module",
            str(SOFTHSM_MODULE),
            "--token-label",
            TOKEN_LABEL,
            "--login",
            "--pin",
            PIN,
            "--write-object",
            str(der),
            "--type",
            "cert",
            "--label",
            label,
            "--id",
            ident,
        )
    return Token(SOFTHSM_MODULE, TOKEN_LABEL, KEY_LABEL, pin_file)


def _run(*args: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, env=os.environ.copy())
    assert done.returncode == 0, f"{args[0]} failed: {done.stdout}{done.stderr}"
