"""The shared bulk-import framework (SPEC §6, §10).

``reader`` streams rows out of CSV (delimiter and encoding detected) and XLSX files;
``values`` parses French numbers, dates and yes/no answers; ``base`` holds the
importer protocol, the error list and the run loop (streamed, batched, one
transaction, atomic unless told otherwise); ``command`` is the management-command
base shared by ``import_dossiers``, ``import_creances``, ``import_contacts`` and
``import_evenements``.
"""
