"""Audit throughput: objects/s and MB/s of `storage.fixity.audit` on a local store and on
SeaweedFS (optionally with a SeaweedFS replica, i.e. two reads per object), unthrottled.

Run: .venv/bin/python -m bench.audit [--objects 200] [--size-kb 500]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.services import WeedS3
from sohoa.storage.catalog import Catalog
from sohoa.storage.fixity import audit
from sohoa.storage.keeping import Keeper
from sohoa.storage.local_store import LocalStore
from sohoa.storage.s3_store import S3Config, S3Store
from tests.keeping.helpers import store_doc


def _s3(weed: WeedS3) -> S3Store:
    return S3Store(
        S3Config(weed.endpoint, weed.bucket, weed.access_key, weed.secret_key, secure=False)
    )


#: One dossier per measurement: the runs share the SeaweedFS server, whose keys are never
#: overwritten with other bytes.
_CODES = {"local": 1, "seaweedfs": 2, "seaweedfs+replica": 3}


def measure(name: str, keeper: Keeper, work: Path, objects: int, size: int) -> list[str]:
    catalog = Catalog.open(f"sqlite:///{work / f'{name}.sqlite3'}")
    code = f"000.00.20.H56-240101-{_CODES[name]:04d}"
    for _ in range(objects // 2):  # each document: its PDF and its OCR-text sidecar
        store_doc(catalog, keeper, work, size=size, code=code)
    report = audit(catalog, keeper)
    assert report.unresolved == 0
    catalog.close()
    return [
        name,
        str(report.checked),
        f"{report.bytes_read / 1e6:.1f}",
        f"{report.seconds:.2f}",
        f"{report.checked / report.seconds:.0f}",
        f"{report.bytes_read / 1e6 / report.seconds:.1f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=200)
    parser.add_argument("--size-kb", type=int, default=500)
    args = parser.parse_args()
    size = args.size_kb * 1024
    rows = []
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-audit-") as tmp:
        work = Path(tmp)
        rows.append(
            measure("local", Keeper(LocalStore(work / "objects")), work, args.objects, size)
        )
        primary = WeedS3(work / "w1", bucket="audit-primary")
        replica = WeedS3(work / "w2", bucket="audit-replica")
        for weed in (primary, replica):
            weed.workdir.mkdir()
            weed.start()
        try:
            rows.append(measure("seaweedfs", Keeper(_s3(primary)), work, args.objects, size))
            both = Keeper(_s3(primary), _s3(replica))
            rows.append(measure("seaweedfs+replica", both, work, args.objects, size))
        finally:
            primary.stop()
            replica.stop()
    header = ["store", "objects", "MB read", "seconds", "objects/s", "MB/s"]
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for row in rows:
        print(" | ".join(row))


if __name__ == "__main__":
    main()
