"""Multi-row INSERT without Django's per-field preparation.

``QuerySet.bulk_create`` prepares every value of every object through the field
(``pre_save``, ``get_db_prep_save``…): on an import of a million rows that costs
more than the database itself. Here the adapter of each column is chosen once, the
values an import gives are already clean (validated, normalised), the same
timestamps are adapted once, and the rows go in statements of up to 1,000 rows.
Fields the caller does not give get their model default, computed once per call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def _adapter(field):
    ops = connection.ops
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        cache: dict = {}

        def adapt_datetime(value):
            if value is None:
                return None
            if value not in cache:
                cache[value] = ops.adapt_datetimefield_value(value)
            return cache[value]

        return adapt_datetime
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "DecimalField":
        return lambda v: ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
    if kind == "JSONField" or type(field).__name__ == "PhoneNumberField":
        return lambda v: field.get_db_prep_save(v, connection)
    return None


def insert_objects(
    model, objects: Sequence[Any], fields: Sequence[str], *, returning: bool = False
) -> None:
    """INSERT ``objects`` (model instances or any object with those attributes);
    with ``returning``, set their ``pk`` from the database."""
    if not objects:
        return
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    given_names = {f.attname for f in given}
    constant_fields = [
        f for f in meta.concrete_fields if not f.primary_key and f.attname not in given_names
    ]
    constants = [f.get_db_prep_save(f.get_default(), connection) for f in constant_fields]
    adapters = [_adapter(f) for f in given]
    attnames = [f.attname for f in given]
    columns = [f.column for f in given] + [f.column for f in constant_fields]
    quote = connection.ops.quote_name
    width = len(columns)
    limit = connection.features.max_query_params or 65_535
    per_statement = max(1, min(1000, limit // width))
    placeholder = "(" + ", ".join(["%s"] * width) + ")"
    # Only quoted model table and column names go into the SQL; values are parameters.
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
    tail = f" RETURNING {quote(meta.pk.column)}" if returning else ""
    pairs = list(zip(attnames, adapters, strict=True))
    with connection.cursor() as cursor:
        for start in range(0, len(objects), per_statement):
            chunk = objects[start : start + per_statement]
            params: list[Any] = []
            for obj in chunk:
                for attname, adapt in pairs:
                    value = getattr(obj, attname)
                    params.append(adapt(value) if adapt is not None else value)
                params.extend(constants)
            cursor.execute(head + ", ".join([placeholder] * len(chunk)) + tail, params)
            if returning:
                for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                    obj.pk = pk
                    if hasattr(obj, "_state"):
                        obj._state.adding = False
