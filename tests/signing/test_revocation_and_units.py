"""Revocation of the signing certificate in verification, and the policy chosen by the
document's unit (the register's unit, then up the unit tree).

The revoked certificate is the test PKI's second agency certificate, revoked in 2021
(key compromise); certomancer's OCSP responder and CRL on loopback say so. The third,
``later``, signs while the PKI answers as of an earlier moment and is revoked afterwards
(a revocation after the signature timestamp, or dated before it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sohoa.cli_verify import revocation_label
from sohoa.register.importer import ImportOptions, import_file
from sohoa.register.units import import_units
from sohoa.signing.config import load_config
from sohoa.signing.keys import Pkcs12Key, Secret
from sohoa.signing.pades import Level, SignRequest, sign_pdf
from sohoa.signing.verify import verify_pdf
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.database import Database
from sohoa.workers import signing
from tests.register.conftest import register_csv
from tests.signing.pki import AGENCY_NAME, LATER_NAME, REVOKED_NAME, PkiFiles, crl_issued_before


def signed_with(key: Pkcs12Key, level: Level, pdfa: Path, pki: PkiFiles, tmp: Path) -> Path:
    out = tmp / f"signed-{level}.pdf"
    request = SignRequest(key, level, pki.tsa_url, trust_roots=(pki.root_cert,))
    sign_pdf(pdfa, out, request, tmp)
    return out


@pytest.fixture(scope="module")
def revoked_key(pki: PkiFiles) -> Pkcs12Key:
    return Pkcs12Key(pki.revoked_p12, Secret.from_file(pki.agency_p12_passphrase))


def test_a_revoked_certificate_is_found_online_and_its_signature_is_never_valid(
    pdfa: Path, pki: PkiFiles, revoked_key: Pkcs12Key, tmp_path: Path
) -> None:
    signed = signed_with(revoked_key, "B-T", pdfa, pki, tmp_path)
    offline = verify_pdf(signed, (pki.root_cert,))
    assert offline.revocation == "unknown"  # B-T carries no revocation data of its own
    online = verify_pdf(signed, (pki.root_cert,), fetch_revocation=True)
    assert online.revocation == "revoked" and not online.valid and not online.signature_valid
    assert online.signer == REVOKED_NAME
    assert online.revoked_since is not None and online.revoked_since.year == 2021
    assert online.revocation_reason == "key_compromise"
    assert any("revoked" in problem for problem in online.problems)


def test_a_good_certificate_is_unknown_offline_and_good_online_for_b_t(
    pdfa: Path, pki: PkiFiles, p12_key: Pkcs12Key, tmp_path: Path
) -> None:
    signed = signed_with(p12_key, "B-T", pdfa, pki, tmp_path)
    offline = verify_pdf(signed, (pki.root_cert,))
    assert (offline.valid, offline.revocation) == (True, "unknown")
    online = verify_pdf(signed, (pki.root_cert,), fetch_revocation=True)
    assert (online.valid, online.revocation, online.signer) == (True, "good", AGENCY_NAME)


def test_b_lt_is_good_offline_from_its_own_revocation_data(
    pdfa: Path, pki: PkiFiles, p12_key: Pkcs12Key, tmp_path: Path
) -> None:
    check = verify_pdf(signed_with(p12_key, "B-LT", pdfa, pki, tmp_path), (pki.root_cert,))
    assert (check.valid, check.level, check.revocation) == (True, "B-LT", "good")


def test_b_lt_stays_valid_at_its_signing_time_once_its_revocation_data_has_expired(
    pdfa: Path, pki: PkiFiles, p12_key: Pkcs12Key, tmp_path: Path
) -> None:
    signed = signed_with(p12_key, "B-LT", pdfa, pki, tmp_path)
    now = verify_pdf(signed, (pki.root_cert,))
    assert now.signed_at is not None and now.revocation == "good"
    # The clock moved on: the embedded OCSP answer (10 minutes) and CRLs (30 and 90 days)
    # have all expired. The validation time is frozen there rather than waited for.
    later = now.signed_at + timedelta(days=400)
    check = verify_pdf(signed, (pki.root_cert,), at=later)
    assert (check.valid, check.level, check.revocation) == (True, "B-LT", "good_at_signing_time")
    assert check.validated_at == now.signed_at  # the signature timestamp's time
    assert check.signer == AGENCY_NAME and check.problems == ()


def test_b_t_without_embedded_data_is_not_called_valid_at_signing_time(
    pdfa: Path, pki: PkiFiles, p12_key: Pkcs12Key, tmp_path: Path
) -> None:
    signed = signed_with(p12_key, "B-T", pdfa, pki, tmp_path)
    later = verify_pdf(signed, (pki.root_cert,), at=datetime.now(UTC) + timedelta(days=400))
    assert later.revocation == "unknown"


@pytest.fixture(scope="module")
def later_key(pki: PkiFiles) -> Pkcs12Key:
    return Pkcs12Key(pki.later_p12, Secret.from_file(pki.agency_p12_passphrase))


def signed_last_month(
    key: Pkcs12Key, level: Level, pdfa: Path, pki: PkiFiles, tmp: Path
) -> tuple[Path, datetime]:
    """Signed while the PKI answers as of two days before its CRL now in force was
    issued (so that CRL lists a revocation made the day after), and that moment."""
    then = crl_issued_before(datetime.now(UTC)) - timedelta(days=2)
    with pki.control.at(then):
        return signed_with(key, level, pdfa, pki, tmp), then


def test_a_certificate_revoked_after_the_signature_timestamp_leaves_it_valid_at_signing_time(
    pdfa: Path, pki: PkiFiles, later_key: Pkcs12Key, tmp_path: Path
) -> None:
    signed, then = signed_last_month(later_key, "B-T", pdfa, pki, tmp_path)
    before = verify_pdf(signed, (pki.root_cert,), fetch_revocation=True)
    assert (before.valid, before.revocation, before.signed_at) == (True, "good", then)
    # The key was compromised the day after: OCSP and the CRL now say so.
    with pki.control.revoked("later", then + timedelta(days=1)):
        check = verify_pdf(signed, (pki.root_cert,), fetch_revocation=True)
    # ETSI EN 319 102-1: the timestamp proves the signature existed before the revocation.
    assert (check.valid, check.signature_valid, check.level) == (True, True, "B-T")
    assert check.revocation == "good_at_signing_time" and check.revoked_after_signing
    assert check.validated_at == then == check.signed_at
    assert check.revoked_since == then + timedelta(days=1)
    assert check.revocation_reason == "key_compromise"
    assert check.signer == LATER_NAME and check.problems == ()
    # As sohoa verify (and the dossier page, from the same catalogue) says it:
    since = check.revoked_since.strftime("%d/%m/%Y %H:%M:%S +07:00")
    assert revocation_label(check, "vi") == (
        f"hợp lệ tại thời điểm ký; chứng thư số bị thu hồi sau đó: {since} (key_compromise)"
    )
    assert revocation_label(check, "en").startswith("valid at signing time; the certificate")


def test_a_b_b_signature_has_no_proof_of_time_so_any_revocation_makes_it_invalid(
    pdfa: Path, pki: PkiFiles, later_key: Pkcs12Key, tmp_path: Path
) -> None:
    signed, then = signed_last_month(later_key, "B-B", pdfa, pki, tmp_path)
    with pki.control.revoked("later", then + timedelta(days=1)):
        check = verify_pdf(signed, (pki.root_cert,), fetch_revocation=True)
    assert (check.valid, check.level, check.revocation) == (False, "B-B", "revoked")
    assert not check.revoked_after_signing and check.revoked_since == then + timedelta(days=1)
    assert any("revoked since" in problem for problem in check.problems)


def test_a_revocation_dated_before_the_signature_timestamp_makes_it_invalid(
    pdfa: Path, pki: PkiFiles, later_key: Pkcs12Key, tmp_path: Path
) -> None:
    signed, then = signed_last_month(later_key, "B-T", pdfa, pki, tmp_path)
    # Revoked later, but the CA dates the compromise to the day before the signature.
    with pki.control.revoked("later", then - timedelta(days=1)):
        check = verify_pdf(signed, (pki.root_cert,), fetch_revocation=True)
    assert (check.valid, check.revocation, check.validated_at == then) == (False, "revoked", False)
    assert not check.revoked_after_signing


PROVINCE, DISTRICT, COMMUNE = "000.00.00.H56", "000.00.20.H56", "000.17.20.H56"
#: Filed under the district's code, but the register says the commune handles it.
IN_REGISTER = "000.00.20.H56-250106-0001"
#: Not in the register: its unit is the agency part of its code, unknown to the tree.
OUTSIDE = "000.00.22.H56-250106-0009"


@pytest.fixture
def units_db(tmp_path: Path) -> Iterator[Database]:
    with Database.open(f"sqlite:///{tmp_path / 'catalog.sqlite3'}") as database:
        import_units(
            database,
            [
                (2, {"code": PROVINCE, "name": "UBND tỉnh"}),
                (3, {"code": DISTRICT, "name": "UBND quận 1", "parent_code": PROVINCE}),
                (4, {"code": COMMUNE, "name": "UBND phường", "parent_code": DISTRICT}),
            ],
        )
        row = (
            f"{IN_REGISTER};1.001612;Cấp giấy chứng nhận;{COMMUNE};Đất đai;"
            "06/01/2025 08:15;1;20/01/2025;;1;Đang xử lý;Nguyễn Văn An"
        )
        import_file(database, register_csv(tmp_path / "ho-so.csv", [row]), ImportOptions("test"))
        yield database
    signing.use_units(None)
    signing.install(None)


def config_for(tmp_path: Path, pki: PkiFiles, entries: dict[str, str]) -> Path:
    """One entry per unit: ``sign`` only; every entry uses the test agency's PKCS#12."""
    body = "".join(
        f"  {unit}:\n    sign: {what}\n    trust_roots: [{pki.root_cert}]\n"
        f"    pkcs12: {{file: {pki.agency_p12}, passphrase_file: {pki.agency_p12_passphrase}}}\n"
        for unit, what in entries.items()
    )
    path = tmp_path / "signing.yaml"
    path.write_text("verify_fetch_revocation: true\nunits:\n" + body, encoding="utf-8")
    return path


def reserve(catalog: Catalog, code: str, kind: str) -> DocumentRecord:
    source = hashlib.sha256(f"{code}/{kind}".encode()).hexdigest()
    record, _ = catalog.reserve(code, kind, "scan.pdf", source)
    return record


def test_the_nearest_configured_unit_above_the_register_unit_chooses_the_policy(
    units_db: Database, pki: PkiFiles, tmp_path: Path
) -> None:
    config = load_config(config_for(tmp_path, pki, {PROVINCE: "both", DISTRICT: "intake"}))
    assert config.fetch_revocation
    signing.install(config)
    signing.use_units(units_db)
    assert signing.units_of(IN_REGISTER) == (COMMUNE, DISTRICT, PROVINCE)
    catalog = Catalog(units_db)
    result = reserve(catalog, IN_REGISTER, "result")
    intake = reserve(catalog, IN_REGISTER, "intake")
    # The commune has no entry: the district's (nearest) applies, and it signs intake only.
    assert signing.policy_for(result) is None
    policy = signing.policy_for(intake)
    assert policy is not None and policy.unit == DISTRICT
    # Outside the register and the tree: the code's agency, then the way codes nest.
    assert signing.units_of(OUTSIDE) == ("000.00.22.H56", PROVINCE)
    outside = signing.policy_for(reserve(catalog, OUTSIDE, "result"))
    assert outside is not None and outside.unit == PROVINCE


def test_without_a_database_only_the_code_agency_counts(pki: PkiFiles, tmp_path: Path) -> None:
    signing.install(load_config(config_for(tmp_path, pki, {DISTRICT: "both"})))
    signing.use_units(None)
    try:
        assert signing.units_of(IN_REGISTER) == (DISTRICT,)
        assert signing.units_of(OUTSIDE) == ("000.00.22.H56",)
    finally:
        signing.install(None)
