"""Paperless-ngx bridge: a compatible REST API subset (``/paperless/api/``) and the importer.

- :mod:`dms.paperless.tables` — own tables (label ids, notes, upload tasks, import map, archive copies).
- :mod:`dms.paperless.labels` — Paperless integer ids for Aktenwerk's named tags/correspondents/types.
- :mod:`dms.paperless.mapping` — Aktenwerk document ↔ Paperless JSON (one place).
- :mod:`dms.paperless.api` — the FastAPI router; :mod:`dms.paperless.importer` — ``import-paperless``.
"""
