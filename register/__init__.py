"""The dossier register and the digitisation report (issue 11, spec §6 and §8).

The one-stop system issues dossiers; sohoa imports its register (files or API
pushes), and from it and the catalog says which dossiers are digitised, which
are not (the worklist), the QĐ 766 rates, and the fields the national sync reads.

Imports ``storage`` only; the faces (CLI, API, web app) call these functions:

- :func:`register.report.digitisation_report` — the rates for a unit and period;
- :func:`register.worklist.worklist` — "Hồ sơ chưa số hóa", oldest first;
- :func:`register.units.units_below`, :func:`register.units.dossier_unit`;
- :func:`register.importer.import_file`, :func:`register.importer.import_records`;
- :func:`register.sync.sync_page`;
- ``Catalog.attach_existing`` (in storage.catalog) to reuse a stored document.
"""
