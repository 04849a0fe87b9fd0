"""Every table of the catalog's database, gathered in one ``MetaData``.

The tables are declared beside the code that uses them (documents in
:mod:`storage.models`, jobs in :mod:`storage.job_models`, API keys in
:mod:`storage.api_keys`); importing them all here is what lets Alembic compare
the migrated schema with the models.
"""

from __future__ import annotations

from sqlalchemy import MetaData


def metadata() -> MetaData:
    """The shared ``Base.metadata`` with every table module loaded."""
    from sohoa.storage import (
        account_models,
        api_keys,
        job_models,
        keeping_models,
        register_models,
        search_models,
        version_models,
        webhook_models,
    )
    from sohoa.storage.models import Base

    assert api_keys.ApiKeyRow.metadata is job_models.Job.metadata is Base.metadata
    assert register_models.DossierRow.metadata is Base.metadata
    assert account_models.UserRow.metadata is Base.metadata
    assert keeping_models.EventRow.metadata is Base.metadata
    assert version_models.DocumentVersionRow.metadata is Base.metadata
    assert search_models.DocumentTextRow.metadata is Base.metadata
    assert webhook_models.WebhookRow.metadata is Base.metadata
    return Base.metadata
