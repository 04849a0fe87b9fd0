"""Register rows and stored documents for the report pages, written into a served
sohoa's own catalog (the register imported with `sohoa register import`, documents as
the pipeline leaves them in the catalog)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sohoa.settings import Settings
from sohoa.storage.catalog import Catalog
from tests.register.conftest import register_csv, store_document
from tests.web.conftest import OTHER_UNIT, SOHOA, UNIT, Served

DONE = f"{UNIT}-250106-0001"  # counter, paper result; intake and result stored
WAITING = f"{UNIT}-250107-0002"  # counter; nothing stored (on the worklist)
REUSED = f"{UNIT}-250210-0003"  # post; intake reused from DONE
OTHER = f"{OTHER_UNIT}-250108-0004"  # the other district's dossier, intake stored
BUILD = "1.001612;Cấp giấy phép xây dựng"
COPY = "2.000123;Chứng thực bản sao"
ROWS = [
    f"{DONE};{BUILD};{UNIT};Xây dựng;06/01/2025;1;16/01/2025;14/01/2025;1;Đã trả;",
    f"{WAITING};{BUILD};{UNIT};Xây dựng;07/01/2025;1;17/01/2025;;1;Đang xử lý;",
    f"{REUSED};{COPY};{UNIT};Chứng thực;10/02/2025;3;11/02/2025;;0;Đã trả;",
    f"{OTHER};{BUILD};{OTHER_UNIT};Xây dựng;08/01/2025;1;18/01/2025;;0;Đã trả;",
]


def fill_register(served: Served, tmp: Path) -> None:
    """Import the rows with the CLI, then store documents in the served catalog."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(served.home), SOHOA_LANG="vi")
    csv_path = register_csv(tmp / "ho-so.csv", ROWS)
    subprocess.run([*SOHOA, "register", "import", str(csv_path)], env=env, check=True)
    url = Settings(home=served.home).resolved_database_url
    with Catalog.open(url) as catalog:
        if catalog.documents(DONE):
            return  # a second test module of the same session
        intake = store_document(catalog, DONE, "intake")
        store_document(catalog, DONE, "result")
        store_document(catalog, OTHER, "intake")
        catalog.attach_existing(REUSED, "intake", intake.id, actor="canbo")


def served_env(served: Served) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(served.home), SOHOA_LANG="vi")
    return env
