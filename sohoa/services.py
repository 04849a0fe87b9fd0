"""The object store and catalog named by the settings, opened together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sohoa.settings import Settings
from sohoa.signing_setup import install_signing, use_units
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.errors import ChecksumMismatch
from sohoa.storage.objects import ObjectStore
from sohoa.storage.store_url import open_store


@dataclass
class Services:
    store: ObjectStore
    catalog: Catalog

    @classmethod
    @contextmanager
    def open(cls, settings: Settings) -> Iterator[Services]:
        settings.home.mkdir(parents=True, exist_ok=True)
        store = open_store(
            settings.resolved_storage_url,
            s3_access_key=settings.secret("s3_access_key"),
            s3_secret_key=settings.secret("s3_secret_key"),
            s3_region=settings.s3_region,
            s3_public_url=settings.s3_public_url,
        )
        install_signing(settings)
        catalog = Catalog.open(settings.resolved_database_url)
        use_units(catalog)  # signing picks the policy of the document's unit (register, tree)
        try:
            yield cls(kept_store(settings, store), catalog)
        finally:
            use_units(None, only=catalog)
            catalog.close()

    def fetch(self, record: DocumentRecord, directory: Path) -> Path:
        """Download a document's PDF/A; its SHA-256 must match the catalog's, or nothing is left."""
        dest = directory / f"{record.name}.pdf"
        got = self.store.get_to_file(record.stored_key, dest)
        if got.sha256 != record.sha256:
            dest.unlink(missing_ok=True)
            raise ChecksumMismatch(
                f"{record.key}: catalog says {record.sha256}, store has {got.sha256}"
            )
        return dest


def kept_store(settings: Settings, primary: ObjectStore) -> ObjectStore:
    """The primary store wrapped with its replica and retention policy (storage.keeping),
    when either is configured; the bare primary otherwise."""
    from sohoa.storage.keeping import Keeper, RetentionPolicy

    policy = RetentionPolicy(
        settings.retention_intake_years or None, settings.retention_result_years or None
    )
    if not settings.replica_url and policy == RetentionPolicy():
        return primary
    replica = None
    if settings.replica_url:
        replica = open_store(
            settings.replica_url,
            s3_access_key=settings.secret("replica_access_key") or settings.secret("s3_access_key"),
            s3_secret_key=settings.secret("replica_secret_key") or settings.secret("s3_secret_key"),
            s3_region=settings.s3_region,
        )
    return Keeper(primary, replica, policy)
