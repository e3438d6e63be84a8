"""Multi-row INSERT without Django's per-field preparation.

``QuerySet.bulk_create`` prepares every value of every object through the field
(``pre_save``, ``get_db_prep_save``…): on an import of a million rows that costs
more than the database itself. Here the adapter of each column is chosen once, the
values an import gives are already clean (validated, normalised), the same
timestamps are adapted once, and the rows go in statements of up to 1,000 rows.
Fields the caller does not give get their model default, computed once per call.

``new_instance`` builds a model instance without ``Model.__init__`` (which costs
more than the INSERT of the row) and ``update_objects`` replaces ``bulk_update``
(whose ``CASE WHEN`` per row is slow to build) with one ``UPDATE … FROM (VALUES …)``
per 500 rows, which SQLite (≥ 3.33) and PostgreSQL both understand.

Every statement that depends on the database (``connection.vendor``) lives here
or in ``recouvrement.importing.sql``: the domain importers say what to write,
these modules how each database writes it fast.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL

# The SQLite staging (its own module), re-exported: the writers below consult it.
from .staging import Stage, staged, staged_objects, stages, staging, staging_open  # noqa: F401


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
    if type(field).__name__ == "PhoneNumberField":
        # Importers give phones already normalised to E.164 (contacts.normalize):
        # a str goes as it is, anything else through the field (parse, format).
        return lambda v: v if isinstance(v, str) else field.get_db_prep_save(v, connection)
    if kind == "JSONField":
        # Encoded as JSON text by the standard library: both databases read a
        # document from its text (PostgreSQL casts it to jsonb), and the driver's
        # JSON wrapper costs more than the row. Importers share one dict among the
        # rows that say the same thing: each is encoded once per statement (by
        # identity: the objects live, unchanged, until the statement is sent).
        encoded: dict[int, tuple[Any, str]] = {}
        encoder = field.encoder

        def adapt_json(value):
            if value is None:
                return None
            known = encoded.get(id(value))
            if known is None or known[0] is not value:
                known = encoded[id(value)] = (value, json.dumps(value, cls=encoder))
            return known[1]

        return adapt_json
    return None


_DEFAULTS: dict = {}


def _defaults(model) -> tuple[dict, list]:
    """Per model: the constant defaults by attname, and the fields with a callable one."""
    if model not in _DEFAULTS:
        constant, dynamic = {}, []
        for field in model._meta.concrete_fields:
            if field.has_default() and callable(field.default):
                dynamic.append(field)
            else:
                constant[field.attname] = field.get_default()
        _DEFAULTS[model] = (constant, dynamic)
    return _DEFAULTS[model]


def new_instance(model, **values):
    """A new, unsaved ``model`` instance with these attribute values (by attname:
    ``contact_id``, not ``contact``) and the field defaults for the others.

    No ``__init__``, no descriptors: values are stored as given, so they must be
    clean already (a phone as its E.164 str reads back as that str).
    """
    obj = model.__new__(model)
    obj._state = ModelState()
    constant, dynamic = _defaults(model)
    state = obj.__dict__
    state.update(constant)
    for field in dynamic:
        if field.attname not in values:
            state[field.attname] = field.get_default()
    state.update(values)
    return obj


def _cast(field) -> str:
    """PostgreSQL infers the type of a VALUES column from its first row, and a
    NULL there is text: every placeholder gets the column's type."""
    if connection.vendor != "postgresql":
        return "%s"
    return f"%s::{field.cast_db_type(connection)}"


def update_objects(model, objects: Sequence[Any], fields: Sequence[str]) -> None:
    """UPDATE these columns of ``objects`` (instances with a ``pk``), 500 rows a
    statement, from the values of their attributes."""
    if not objects:
        return
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    pk = meta.pk
    stage = staged(model)
    table = stage.table(model) if stage is not None else quote(meta.db_table)
    assignments = ", ".join(
        f"{quote(f.column)} = v.column{index}" for index, f in enumerate(given, start=2)
    )
    placeholder = "(" + ", ".join(_cast(f) for f in [pk, *given]) + ")"
    adapters = [_adapter(f) for f in given]
    pairs = list(zip([f.attname for f in given], adapters, strict=True))
    with connection.cursor() as cursor:
        for start in range(0, len(objects), 500):
            chunk = objects[start : start + 500]
            params: list[Any] = []
            for obj in chunk:
                params.append(obj.pk)
                for attname, adapt in pairs:
                    value = getattr(obj, attname)
                    params.append(adapt(value) if adapt is not None else value)
            # Only quoted model table and column names go into the SQL.
            cursor.execute(
                f"UPDATE {table} SET {assignments} "  # noqa: S608
                f"FROM (VALUES {', '.join([placeholder] * len(chunk))}) AS v "
                f"WHERE {table}.{quote(pk.column)} = v.column1",
                params,
            )


def insert_objects(
    model, objects: Sequence[Any], fields: Sequence[str], *, returning: bool = False
) -> None:
    """INSERT ``objects`` (model instances or any object with those attributes);
    with ``returning``, set their ``pk`` from the database."""
    if not objects:
        return
    stage = staged(model)
    if stage is None and connection.vendor == "postgresql":
        _copy_objects(model, objects, fields, returning=returning)
        return
    meta = model._meta
    if stage is not None and meta.pk.attname not in fields and meta.pk.name not in fields:
        # A staged table has no key of its own to give: the stage's counter does.
        for obj, pk in zip(objects, stage.take(model, len(objects)), strict=True):
            obj.pk = pk
            if hasattr(obj, "_state"):
                obj._state.adding = False
        fields, returning = (meta.pk.attname, *fields), False
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
    # On SQLite the statement goes straight to sqlite3 with its own « ? » markers:
    # Django's wrapper would rewrite every « %s » of a 1,000-row statement by regex.
    sqlite = connection.vendor == "sqlite"
    placeholder = "(" + ", ".join(["?" if sqlite else "%s"] * width) + ")"
    # Only quoted model table and column names go into the SQL; values are parameters.
    table = stage.table(model) if stage is not None else quote(meta.db_table)
    head = f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
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
            sql = head + ", ".join([placeholder] * len(chunk)) + tail
            if sqlite:
                with connection.wrap_database_errors:
                    sqlite3.Cursor.execute(cursor.cursor, sql, params)
            else:
                cursor.execute(sql, params)
            if returning:
                for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                    obj.pk = pk
                    if hasattr(obj, "_state"):
                        obj._state.adding = False


_SEQUENCES: dict = {}


def reserve_ids(model, count: int) -> list[int]:
    """PostgreSQL: ``count`` keys taken from the table's sequence (one query, after
    the sequence's name is looked up once per model and connection: in the query,
    ``pg_get_serial_sequence`` ran once per key, eleven times the cost of the
    ``nextval``), for rows inserted later with their key given."""
    if not count:
        return []
    stage = staged(model)
    if stage is not None:
        return stage.take(model, count)
    with connection.cursor() as cursor:
        key = (connection.alias, connection.settings_dict["NAME"], model)
        sequence = _SEQUENCES.get(key)
        if sequence is None:
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column],
            )
            sequence = _SEQUENCES[key] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
        )
        return [pk for (pk,) in cursor.fetchall()]


def _copy_objects(model, objects: Sequence[Any], fields: Sequence[str], *, returning: bool) -> None:
    """PostgreSQL: ``COPY … FROM STDIN`` (no SQL text to build and parse for every
    row). With ``returning``, the keys are taken from the table's sequence first
    (one query) and given in the COPY. Constraints are checked as for an INSERT."""
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    given_names = {f.attname for f in given}
    constant_fields = [
        f for f in meta.concrete_fields if not f.primary_key and f.attname not in given_names
    ]
    constants = [f.get_db_prep_save(f.get_default(), connection) for f in constant_fields]
    adapters = [(index, adapt) for index, f in enumerate(given) if (adapt := _adapter(f))]
    # One C call reads the row's attributes; only adapted columns go through Python.
    read = attrgetter(*[f.attname for f in given]) if given else (lambda obj: ())
    single = len(given) == 1
    columns = [f.column for f in given] + [f.column for f in constant_fields]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if returning:
            for obj, pk in zip(objects, reserve_ids(model, len(objects)), strict=True):
                obj.pk = pk
                if hasattr(obj, "_state"):
                    obj._state.adding = False
            columns.insert(0, meta.pk.column)
        # Only quoted model table and column names go into the SQL.
        sql = f"COPY {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"  # noqa: S608
        # Errors of the COPY come as Django's (IntegrityError…), like those of execute().
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            write_row = copy.write_row
            for obj in objects:
                values = read(obj)
                row = [values] if single else list(values)
                for index, adapt in adapters:
                    row[index] = adapt(row[index])
                if returning:
                    row.insert(0, obj.pk)
                if constants:
                    row.extend(constants)
                write_row(row)


def among(model, name: str, values) -> Q | RawSQL:
    """A filter ``name IN values``. On PostgreSQL one array parameter
    (``= ANY(%s::type[])``): Django would prepare, and psycopg split the statement
    around, one placeholder per value, thousands per batch."""
    values = list(values)
    if connection.vendor != "postgresql":
        return Q(**{f"{name}__in": values})
    field = model._meta.get_field(name)
    quote = connection.ops.quote_name
    column = f"{quote(model._meta.db_table)}.{quote(field.column)}"
    cast = field.cast_db_type(connection)
    # Only a quoted model table and column name and the column type go into the SQL.
    return RawSQL(f"{column} = ANY(%s::{cast}[])", (values,), output_field=BooleanField())  # noqa: S611


def ids_condition(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """SQL text and parameters for ``column IN ids`` in a raw statement (``column``
    already quoted). PostgreSQL: one array parameter, since thousands of « %s »
    would each be quoted by the driver, which costs more than the statement."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def null_safe_differs() -> str:
    """The SQL operator for « differs, NULL being a value like another »."""
    return "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"


def lock_rows(model, ids) -> None:
    """``SELECT … FOR NO KEY UPDATE`` of these rows, in key order, one statement per
    5,000 keys: an import serialises with the services, which lock the same rows the
    same way (``dossiers.services.dossier_lock``); the weaker mode lets the foreign-key
    checks of rows inserted meanwhile (``FOR KEY SHARE``) through. SQLite has one
    writer at a time anyway (and no row locks)."""
    if connection.vendor != "postgresql" or not ids:
        return
    ids = sorted(ids)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        list(
            model.objects.filter(among(model, "id", chunk))
            .order_by("pk")
            .select_for_update(no_key=True)
            .values_list("pk", flat=True)
        )


#: From this many rows, ``lock_many`` locks the whole table instead (PostgreSQL).
TABLE_LOCK_FROM = 10_000
#: How long ``lock_many`` waits for the table lock before it locks the rows instead.
TABLE_LOCK_WAIT = "500ms"


def lock_many(model, ids) -> bool:
    """``lock_rows`` for an import's apply, which holds its locks until its COMMIT.
    PostgreSQL, from ``TABLE_LOCK_FROM`` rows: one ``LOCK TABLE … IN EXCLUSIVE MODE``
    instead, the weakest table lock that blocks every row lock (``FOR NO KEY UPDATE``
    of the services) and every UPDATE of the table, not plain reads: locking 100,000
    rows one by one writes each row's header (and its page, first touched since a
    checkpoint, into the WAL): a second or more during which, and until the COMMIT,
    agents wait. The table lock also holds back the foreign-key checks (``FOR KEY
    SHARE``) of rows inserted elsewhere, for the same short time. It waits for the
    transactions in flight that hold a row of the table, at most
    ``TABLE_LOCK_WAIT`` (one that keeps a row locked longer, the rows are locked
    one by one instead, as for a small import). True when the table is locked."""
    ids = list(ids)
    if connection.vendor != "postgresql" or len(ids) < TABLE_LOCK_FROM:
        lock_rows(model, ids)
        return False
    table = connection.ops.quote_name(model._meta.db_table)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('lock_timeout')")
            before = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [TABLE_LOCK_WAIT])
            # Only a quoted model table name goes into the SQL.
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])
    except OperationalError:  # lock_timeout: the savepoint is rolled back, setting too
        lock_rows(model, ids)
        return False
    return True


def check_constraints() -> None:
    """PostgreSQL: run the deferred foreign-key checks of the rows written so far now
    (``SET CONSTRAINTS ALL IMMEDIATE``) rather than at COMMIT. An import does it before
    it locks the files it touches, so that the checks of its many rows (seconds for
    hundreds of thousands) are not done while agents wait for those locks. The checks
    take ``FOR KEY SHARE`` locks, which agents' ``FOR NO KEY UPDATE`` does not block.
    The later statements are deferred again (the rows written with keys reserved
    before their target exists need it; every deferrable constraint of the project
    is a foreign key, initially deferred)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def chunk_size(*, postgresql: int, sqlite: int) -> int:
    """How many keys one statement takes, where the two databases want different
    sizes (PostgreSQL's planner may read a table whole once per statement, SQLite
    probes an index per key and holds the rows in memory)."""
    return postgresql if connection.vendor == "postgresql" else sqlite


def ids_reservable() -> bool:
    """Whether keys can be taken before an INSERT (``reserve_ids``): PostgreSQL's
    sequences, whose foreign keys the importers may check at commit; and SQLite while
    an import stages its rows (``Stage``), whose counter gives them."""
    return connection.vendor == "postgresql" or staging_open()


def analyze(tables: dict[str, tuple[str, ...]], rows: int, *, columns_only: bool = False) -> None:
    """PostgreSQL plans the next batches' lookups with the statistics of tables that
    this transaction is filling, which say « empty » until analysed: the lookups
    then scan the whole table, and an import gets slower with every batch (and the
    next import too: looking up a batch's 700 references among 100,000 files then
    scans them all, 12 ms, instead of 1 ms through the index). ANALYZE inside the
    transaction counts its own rows; after 1, 2, 4, 8, 16 batches and at the end, it
    costs a few statements per import. ``rows``: the rows of the file read so far.
    ``columns_only``: the statistics of the lookups' columns only (the table's size
    is counted anyway), five times cheaper on the contact means than the whole table;
    the last ANALYZE of an import is whole, for the queries that follow it."""
    if connection.vendor != "postgresql" or not tables:
        return
    with connection.cursor() as cursor:
        # Only the tables this import has grown by a good share: on a table of
        # millions of rows, sampling it again for a small import costs more than the
        # import, and its statistics are still right.
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r' "
            "AND reltuples < %s * 4",
            [list(tables), max(rows, 1)],
        )
        quote = connection.ops.quote_name
        for (table,) in cursor.fetchall():
            columns = tables[table] if columns_only else ()
            listed = f" ({', '.join(quote(c) for c in columns)})" if columns else ""
            cursor.execute(f"ANALYZE {quote(table)}{listed}")
