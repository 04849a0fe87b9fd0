"""Signing cost per document: software key (PKCS#12) vs SoftHSM2 token, B-B vs B-T.

Runs the test PKI (certomancer, TSA on loopback) and a SoftHSM2 token in temp dirs,
signs a one-page PDF/A-2b N times per configuration in this process (keys opened once,
as a long-lived worker does) and prints the median seconds per document, the bytes
added, and the re-validation time.  Usage:  .venv/bin/python -m bench.signing [-n 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sohoa.signing.keys import Pkcs12Key, Secret, close_all
from sohoa.signing.pades import SignRequest, sign_pdf
from sohoa.signing.verify import verify_pdf
from tests.signing.conftest import make_pdfa
from tests.signing.pki import PkiServer
from tests.signing.softhsm import init_token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=7, help="signatures per configuration")
    runs = parser.parse_args().n
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-sign-") as tmp:
        base = Path(tmp)
        source = make_pdfa(base / "in.pdf")
        with PkiServer(base / "pki") as pki:
            p12 = Pkcs12Key(pki.agency_p12, Secret.from_file(pki.agency_p12_passphrase))
            hsm = init_token(pki, base / "softhsm").key()
            roots = (pki.root_cert,)
            rows = []
            for name, key in (("PKCS#12 (software)", p12), ("SoftHSM2 (PKCS#11)", hsm)):
                for level in ("B-B", "B-T"):
                    request = SignRequest(key, level, pki.tsa_url, trust_roots=roots)
                    rows.append((name, level, *_measure(source, request, base, runs)))
            close_all()
    print(f"| key | level | s/document (median of {runs}) | KB added | re-validation s |")
    print("|---|---|---|---|---|")
    for name, level, sign_s, added, check_s in rows:
        print(f"| {name} | {level} | {sign_s:.3f} | {added:.0f} | {check_s:.3f} |")


def _measure(
    source: Path, request: SignRequest, base: Path, runs: int
) -> tuple[float, float, float]:
    out = base / "out.pdf"
    sign_pdf(source, out, request, base)  # warm-up: font, key, timestamper opened once
    signing, checking = [], []
    for _ in range(runs):
        started = time.perf_counter()
        sign_pdf(source, out, request, base)
        signing.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert verify_pdf(out, request.trust_roots).valid
        checking.append(time.perf_counter() - started)
    added = (out.stat().st_size - source.stat().st_size) / 1024
    return statistics.median(signing), added, statistics.median(checking)


if __name__ == "__main__":
    main()
