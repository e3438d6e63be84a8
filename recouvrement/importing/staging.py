"""SQLite: an import's new rows staged outside the database's one write lock, then
copied in by the apply (``Stage``). ``recouvrement.importing.bulk``'s writers
(``insert_objects``, ``update_objects``, ``reserve_ids``) write into the stage while
one is open (``staged``)."""

from __future__ import annotations

import contextlib

from django.db import connection

# -- SQLite: staging outside the write lock -------------------------------------------

#: Staged keys start this far above the table's last key, so that they never meet the
#: keys agents' rows take meanwhile; the apply moves them down to follow the table.
STAGE_GAP = 1 << 32


class Stage:
    """SQLite has one writer: an import that wrote into the tables would hold the
    database's write lock from its first row to its COMMIT, and every agent's write
    would wait for it (then fail after its ``busy_timeout``). While the file is read,
    the rows of these models go into ``TEMP`` tables of the same columns instead
    (SQLite keeps them in a database of the connection's own, written without the
    main database's lock): ``insert_objects``, ``update_objects`` and ``reserve_ids``
    write there. Their keys come from a counter that starts ``STAGE_GAP`` above the
    table's last key; ``apply`` (in the import's one short write transaction) copies
    every table with one ``INSERT … SELECT``, keys and the foreign keys between
    staged tables moved down to follow the table's last key. Reads that must see
    the staged rows ask for them (``staged_objects``)."""

    def __init__(self, models: dict) -> None:
        #: model → the column tuples to index in its staged table
        self.indexes = models
        self.models = tuple(models)
        self.next: dict = {}
        self.base: dict = {}
        self.applied = False

    @staticmethod
    def table(model) -> str:
        return connection.ops.quote_name("stage_" + model._meta.db_table)

    def create(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in self.models:
                meta = model._meta
                table = self.table(model)
                columns = ", ".join(quote(f.column) for f in meta.concrete_fields)
                cursor.execute(f"DROP TABLE IF EXISTS temp.{table}")
                # Only quoted model table and column names go into the SQL.
                cursor.execute(
                    f"CREATE TEMP TABLE {table} AS SELECT {columns} "  # noqa: S608
                    f"FROM main.{quote(meta.db_table)} WHERE 0"
                )
                pk_index = quote("stage_pk_" + meta.db_table)
                cursor.execute(
                    f"CREATE UNIQUE INDEX temp.{pk_index} ON {table} ({quote(meta.pk.column)})"
                )
                self.base[model] = self.next[model] = self._last_key(cursor, model) + STAGE_GAP
        for model, indexes in self.indexes.items():
            for columns in indexes:
                self.index(model, *columns)

    @staticmethod
    def _last_key(cursor, model) -> int:
        """The table's last key, or the last its AUTOINCREMENT gave (rows deleted)."""
        meta = model._meta
        quote = connection.ops.quote_name
        # Only quoted model table and column names go into the SQL.
        cursor.execute(f"SELECT max({quote(meta.pk.column)}) FROM main.{quote(meta.db_table)}")  # noqa: S608
        last = cursor.fetchone()[0] or 0
        cursor.execute("SELECT name FROM main.sqlite_master WHERE name = 'sqlite_sequence'")
        if cursor.fetchone():
            cursor.execute("SELECT seq FROM main.sqlite_sequence WHERE name = %s", [meta.db_table])
            row = cursor.fetchone()
            last = max(last, row[0] if row else 0)
        return last

    def index(self, model, *columns: str) -> None:
        """An index on the staged table (for ``staged_objects``' lookups)."""
        quote = connection.ops.quote_name
        name = quote("stage_" + "_".join((model._meta.db_table, *columns)))
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE INDEX temp.{name} ON {self.table(model)} "
                f"({', '.join(quote(model._meta.get_field(c).column) for c in columns)})"
            )

    def take(self, model, count: int) -> list[int]:
        first = self.next[model]
        self.next[model] = first + count
        return list(range(first, first + count))

    def apply(self) -> dict:
        """Copy the staged rows into the tables; returns, per model, how much its
        staged keys moved (add it to a staged key kept in memory). Inside the
        import's write transaction."""
        quote = connection.ops.quote_name
        shifts: dict = {}
        with connection.cursor() as cursor:
            for model in self.models:
                shifts[model] = self._last_key(cursor, model) + 1 - self.base[model]
            for model in self.models:
                if self.next[model] == self.base[model]:
                    continue  # nothing staged
                meta = model._meta
                columns, values = [], []
                for field in meta.concrete_fields:
                    column = quote(field.column)
                    columns.append(column)
                    target = field.related_model if field.is_relation else None
                    if field.primary_key:
                        values.append(f"{column} + {int(shifts[model])}")
                    elif target in shifts:
                        base, shift = int(self.base[target]), int(shifts[target])
                        values.append(
                            f"CASE WHEN {column} >= {base} THEN {column} + {shift} ELSE {column} END"
                        )
                    else:
                        values.append(column)
                # Only quoted model table and column names and integers go into the SQL.
                cursor.execute(
                    f"INSERT INTO main.{quote(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
                    f"SELECT {', '.join(values)} FROM {self.table(model)} "
                    f"ORDER BY {quote(meta.pk.column)}"
                )
        self.applied = True
        return shifts

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for model in self.models:
                cursor.execute(f"DROP TABLE IF EXISTS temp.{self.table(model)}")


_STAGE: Stage | None = None


def staging_open() -> bool:
    """Whether an import is staging its rows now (keys then come from the stage)."""
    return _STAGE is not None and not _STAGE.applied


def staged(model) -> Stage | None:
    """The stage that holds ``model``'s new rows now, if any."""
    stage = _STAGE
    if stage is None or stage.applied or model not in stage.models:
        return None
    return stage


def stages(models) -> bool:
    """Whether an import of these models stages its rows (``staging``): on SQLite.
    (PostgreSQL writes them at once: other transactions do not wait for its new rows,
    see ``contacts.importers.contact_apply``.)"""
    return bool(models) and connection.vendor == "sqlite"


@contextlib.contextmanager
def staging(models: dict):
    """The ``Stage`` of these models (model → columns to index) for the rest of the
    block (SQLite; see ``Stage``); its tables are dropped at the end, applied or not."""
    global _STAGE
    stage = Stage(models)
    stage.create()
    _STAGE = stage
    try:
        yield stage
    finally:
        _STAGE = None
        stage.drop()


def staged_objects(model, **among_values) -> list:
    """The staged rows of ``model`` whose columns are among these values
    (``dossier_id=[…], external_key=[…]``), as instances; none when nothing stages."""
    stage = staged(model)
    if stage is None:
        return []
    meta = model._meta
    quote = connection.ops.quote_name
    names = [f.attname for f in meta.concrete_fields]
    conditions, params = [], []
    for name, values in among_values.items():
        values = list(values)
        if not values:
            return []
        conditions.append(
            f"{quote(meta.get_field(name).column)} IN ({', '.join(['%s'] * len(values))})"
        )
        params.extend(values)
    with connection.cursor() as cursor:
        # Only quoted model table and column names go into the SQL.
        cursor.execute(
            f"SELECT {', '.join(quote(f.column) for f in meta.concrete_fields)} "  # noqa: S608
            f"FROM {stage.table(model)} WHERE {' AND '.join(conditions) or '1'}",
            params,
        )
        return [model.from_db(connection.alias, names, row) for row in cursor.fetchall()]
