"""A test PKI on loopback: certomancer issues the agency's certificate and serves a
timestamp server, OCSP and CRLs over HTTP from a thread (no internet, no Docker).

The agency certificate's CN is a Vietnamese agency name, so the visible mark is
tested with real diacritics. Keys are made fresh per run (RSA 2048). A second agency
certificate, ``revoked``, was revoked in 2021 (key compromise): its OCSP answer and CRL
entry say so, for the revocation checks of ``sohoa verify``. A third, ``later``, is good
until a test revokes it (:meth:`PkiControl.revoked`); :meth:`PkiControl.at` makes the
timestamp server, OCSP responder and CRLs answer as of an earlier moment, so a document
can be signed "last month" and its certificate revoked after that.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

AGENCY_NAME = "UBND Phường Bến Nghé"
ARCH = "sohoa-test"
KEYS = ("root", "interm", "interm-ocsp", "tsa", "agency", "revoked", "later")
REVOKED_NAME = "UBND Phường Thu Hồi"
LATER_NAME = "UBND Xã Tân Thành"

_VALID = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2090-01-01T00:00:00+0000"}
#: The issuing CA's CRL is published every 30 days from its certificate's start.
_CRL_ORIGIN, _CRL_PERIOD = datetime(2020, 1, 1, tzinfo=UTC), timedelta(days=30)

_ARCH = """
keyset: {arch}
entity-defaults:
  country-name: VN
  organization-name: Sohoa Test PKI
entities:
  root: {{common-name: Sohoa Test Root CA}}
  interm: {{common-name: Sohoa Test Issuing CA}}
  interm-ocsp: {{common-name: Sohoa Test OCSP}}
  tsa: {{common-name: Sohoa Test TSA}}
  agency: {{common-name: "{agency}"}}
  revoked: {{common-name: "{revoked}"}}
  later: {{common-name: "{later}"}}
certs:
  root:
    subject: root
    issuer: root
    validity: {valid}
    extensions:
      - {{id: basic_constraints, critical: true, value: {{ca: true}}}}
      - id: key_usage
        critical: true
        smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
  interm:
    issuer: root
    validity: {valid}
    extensions:
      - {{id: basic_constraints, critical: true, value: {{ca: true, path-len-constraint: 0}}}}
      - id: key_usage
        critical: true
        smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
      - id: crl_distribution_points
        smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
  interm-ocsp:
    issuer: interm
    validity: {valid}
    extensions:
      - id: key_usage
        critical: true
        smart-value: {{schema: key-usage, params: [digital_signature]}}
      - {{id: extended_key_usage, critical: true, value: [ocsp_signing]}}
      - id: ocsp_no_check
  tsa:
    issuer: root
    validity: {valid}
    extensions:
      - id: key_usage
        critical: true
        smart-value: {{schema: key-usage, params: [digital_signature]}}
      - {{id: extended_key_usage, critical: true, value: [time_stamping]}}
      - id: crl_distribution_points
        smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
  agency:
    issuer: interm
    validity: {valid}
    extensions:
      - id: key_usage
        critical: true
        smart-value: {{schema: key-usage, params: [digital_signature, non_repudiation]}}
      - id: crl_distribution_points
        smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [interm]}}}}
      - id: authority_information_access
        smart-value: {{schema: aia-urls, params: {{ocsp-responder-names: [interm]}}}}
  revoked:
    template: agency
    subject: revoked
    revocation: {{revoked-since: "2021-01-01T00:00:00+0000", reason: key_compromise}}
  later:
    template: agency
    subject: later
services:
  ocsp:
    interm: {{for-issuer: interm, responder-cert: interm-ocsp, signing-key: interm-ocsp}}
  crl-repo:
    root: {{for-issuer: root, signing-key: root, simulated-update-schedule: "P90D"}}
    interm: {{for-issuer: interm, signing-key: interm, simulated-update-schedule: "P30D"}}
  time-stamping:
    tsa: {{signing-key: tsa, signing-cert: tsa}}
"""


@dataclass(frozen=True)
class PkiFiles:
    """Files and URLs of the running test PKI."""

    directory: Path
    base_url: str
    root_cert: Path
    interm_cert: Path
    agency_cert: Path
    agency_key: Path  # PKCS#8 PEM, unencrypted
    agency_p12: Path
    agency_p12_passphrase: Path
    #: The same passphrase; this certificate is revoked (OCSP and CRL say so).
    revoked_p12: Path
    #: The same passphrase; good until revoked by ``control.revoked("later", …)``.
    later_p12: Path
    control: PkiControl

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/{ARCH}/tsa/tsa"


def write_config(directory: Path, base_url: str) -> Path:
    """Keys and a certomancer config for ``base_url`` (the animator's address)."""
    keys = directory / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    for name in KEYS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (keys / f"{name}.key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    keyset = "\n".join(f"      {n}: {{path: {n}.key.pem}}" for n in KEYS)
    arch = _ARCH.format(
        arch=ARCH, agency=AGENCY_NAME, revoked=REVOKED_NAME, later=LATER_NAME, valid=_flow(_VALID)
    )
    (directory / "arch.yml").write_text(arch, encoding="utf-8")
    config = directory / "certomancer.yml"
    config.write_text(
        f'external-url-prefix: "{base_url}"\n'
        f"keysets:\n  {ARCH}:\n    path-prefix: keys\n    keys:\n{keyset}\n"
        f"pki-architectures:\n  {ARCH}: arch.yml\n",
        encoding="utf-8",
    )
    return config


def _flow(mapping: dict[str, str]) -> str:
    return "{" + ", ".join(f'{k}: "{v}"' for k, v in mapping.items()) + "}"


class PkiControl:
    """The running PKI's clock and revocations, changed by tests while it serves."""

    def __init__(self, arch: Any) -> None:
        self._arch = arch
        #: When set, every service (TSA, OCSP, CRL) answers as of this moment.
        self.moment: datetime | None = None

    @contextmanager
    def at(self, moment: datetime) -> Iterator[None]:
        """The services answer as of ``moment`` (certomancer's fake-time header)."""
        before, self.moment = self.moment, moment
        try:
            yield
        finally:
            self.moment = before

    @contextmanager
    def revoked(
        self, label: str, since: datetime, reason: str = "key_compromise"
    ) -> Iterator[None]:
        """Certificate ``label`` is revoked since ``since`` (OCSP at once; the CRL from its
        next issue after ``since``); good again afterwards."""
        from asn1crypto import crl
        from certomancer.registry import CertLabel
        from certomancer.registry.issued.general import RevocationStatus

        specs = self._arch._cert_specs  # certomancer keeps no public setter
        spec = specs[CertLabel(label)]
        specs[CertLabel(label)] = replace(
            spec, revocation=RevocationStatus(since, crl.CRLReason(reason))
        )
        try:
            yield
        finally:
            specs[CertLabel(label)] = spec


def crl_issued_before(moment: datetime) -> datetime:
    """When the issuing CA's CRL in force at ``moment`` was issued."""
    return _CRL_ORIGIN + (moment - _CRL_ORIGIN) // _CRL_PERIOD * _CRL_PERIOD


class _Late:
    """A WSGI app set after the server has its port (the config needs the URL first),
    telling it the control's moment, if any."""

    app: Callable[..., Iterable[bytes]] | None = None
    control: PkiControl | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        assert self.app is not None
        if self.control is not None and self.control.moment is not None:
            environ["HTTP_X_CERTOMANCER_FAKE_TIME"] = self.control.moment.isoformat()
        return self.app(environ, start_response)


class PkiServer:
    """certomancer's Animator on 127.0.0.1:<free port>, served by a daemon thread."""

    def __init__(self, directory: Path) -> None:
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

        self._late = _Late()
        self._server = make_server("127.0.0.1", 0, self._late, threaded=True)
        base_url = f"http://127.0.0.1:{self._server.server_port}"
        config_path = write_config(directory, base_url)
        self.pki, self._late.app = _materialise(directory, config_path, base_url)
        self._late.control = self.pki.control
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> PkiFiles:
        self._thread.start()
        return self.pki

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


def _materialise(
    directory: Path, config_path: Path, base_url: str
) -> tuple[PkiFiles, Callable[..., Iterable[bytes]]]:
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig

    config = CertomancerConfig.from_file(str(config_path), key_search_dir=str(directory))
    arch = config.get_pki_arch(ArchLabel(ARCH))
    server_app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    out = directory / "out"
    out.mkdir(exist_ok=True)

    def pem(label: str) -> Path:
        path = out / f"{label}.cert.pem"
        cert = arch.get_cert(CertLabel(label))
        path.write_bytes(_pem(cert.dump()))
        return path

    passphrase = out / "agency.p12.pass"
    passphrase.write_text("mat-khau-thu\n", encoding="utf-8")
    p12 = out / "agency.p12"
    p12.write_bytes(arch.package_pkcs12(CertLabel("agency"), password=b"mat-khau-thu"))
    revoked_p12 = out / "revoked.p12"
    revoked_p12.write_bytes(arch.package_pkcs12(CertLabel("revoked"), password=b"mat-khau-thu"))
    later_p12 = out / "later.p12"
    later_p12.write_bytes(arch.package_pkcs12(CertLabel("later"), password=b"mat-khau-thu"))
    pki = PkiFiles(
        directory=directory,
        base_url=base_url,
        root_cert=pem("root"),
        interm_cert=pem("interm"),
        agency_cert=pem("agency"),
        agency_key=directory / "keys" / "agency.key.pem",
        agency_p12=p12,
        agency_p12_passphrase=passphrase,
        revoked_p12=revoked_p12,
        later_p12=later_p12,
        control=PkiControl(arch),
    )
    return pki, server_app


def _pem(der: bytes) -> bytes:
    import base64

    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"
    ).encode()
