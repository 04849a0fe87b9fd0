"""Path parameters shared by the routes, with what the OpenAPI schema says about them.

The dossier code's shape (spec §5) is published as the parameter's ``pattern`` so
schema-driven clients and fuzzers know it, but it is checked by
:func:`storage.codes.parse_dossier_code`, not by FastAPI: a wrong code then gets
the documented 400 with its Vietnamese message (and the impossible-date check)
instead of a generic 422.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path as PathParam

#: Legacy ``AAA.BB.CC.DNN-YYMMDD-XXXX`` or centralised ``MXX.YYY.ZZ-YYMMDD-AA<serial>``,
#: ASCII only, either case (codes are looked up case-insensitively).
CODE_PATTERN = (
    r"^(?:[0-9A-Za-z]{3}\.[0-9A-Za-z]{2}\.[0-9A-Za-z]{2}\.[A-Za-z][0-9]{2}-[0-9]{6}-[0-9]{4}"
    r"|[A-Ya-y][0-9]{2}\.[0-9A-Za-z]{3}\.[0-9A-Za-z]{2}-[0-9]{6}-[0-9]{6,})$"
)

CodeParam = Annotated[
    str,
    PathParam(
        description="Dossier code (mã hồ sơ), e.g. 000.00.20.H56-240101-0001; the reception "
        "date YYMMDD must be a real date. Anything else is a 400 invalid_dossier_code.",
        max_length=80,
        json_schema_extra={"pattern": CODE_PATTERN},
    ),
]
