"""Alembic migrations of the catalog's database, shipped inside the package.

There is no ``alembic.ini``: :mod:`storage.database` builds the Alembic
configuration in code and points it at this directory, so an installed sohoa
can upgrade its database without any file outside the package.
"""
