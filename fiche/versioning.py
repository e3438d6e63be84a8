"""The version of what a client file shows, kept by the database (issue 15).

The client file's page is cached, rendered, under its exact version
(``fiche.caching``). A version must move with every write of what the page shows,
whoever writes it: the services, the imports' set-based statements, the planner and
the sending code (which write no journal entry), the admin, a raw statement. So the
database keeps it: triggers on every table that belongs to a file (a column
``dossier_id``, or a foreign key to a table that has one) set the file's row of
``fiche_fileversion`` to a new random number; triggers on the tables every page
shows (users, groups and rights, scenarios and their steps, dispute reasons,
templates) set the row of id 0, the global version. The file's own row
(``dossiers_dossier``) has no trigger: the page's key holds a digest of the row the
page has just read (``fiche.caching``), so the imports that rewrite the totals of
100,000 files pay nothing for it.

Random, not a counter: a database restored from a backup would count again through
numbers the cache has already seen for other contents.

SQLite (one writer at a time, no row locks): three row triggers per table (after
insert, update, delete) set the file's row of ``fiche_fileversion`` to a new random
number. PostgreSQL: three statement triggers per table with transition tables append
one row per file the statement changed to ``fiche_filechange`` (an import's
``INSERT … SELECT`` of 300,000 rows, one row per file), never updated: an upserted
version row would stay locked until its transaction commits, and an import's
transaction holds it for minutes (agents' writes waited, then deadlocked with the
import's file locks: tests/imports/test_agents_during_import.py). A file's version
there is the count and the sum of its rows' random numbers: any committed row
changes it, whatever the order of the commits. Neither table has a foreign key:
writing a version never locks a file's row. The log grows by a row per file and
statement; ``manage.py fiche_compact`` (daily, ``fiche.compaction``) replaces each
file's rows by one.

A migration that remakes a table on SQLite drops its triggers: ``install`` runs after
every ``migrate`` (``apps.py``) and remakes them all (idempotent).
tests/fiche/test_versioning.py checks that every table the page reads is covered.

Two versions per file: the tabs' tables (notes, pieces, journal: ``TAB_MODELS``, and
any table whose rows belong to theirs) move the version kept under the file's id
negated (``tabs_id``), every other table the one under its id. The page's content is
cached in two parts, each under its own version (``fiche.caching``): a note, which
writes a note and its journal entry, has only the tabs rendered again, the header,
contact block, scenario and payments served as they were.
"""

from __future__ import annotations

from django.apps import apps

VERSIONS = "fiche_fileversion"  # SQLite
CHANGES = "fiche_filechange"  # PostgreSQL
GLOBAL = 0  # the row of the global version

#: Tables of a file that the page never shows and that must not move its version:
#: the consultation trace is written by every view of the page.
NOT_SHOWN = {"rgpd_consultationtrace"}

#: The tabs' tables (models' labels): their writes move the file's tabs version
#: (``tabs_id``), not its panels' one. No other panel of the page reads them
#: (tests/fiche/test_versioning.py).
TAB_MODELS = ("dossiers.Note", "pieces.Piece", "dossiers.JournalEntry")


def tabs_id(dossier_id: int) -> int:
    """The key of a file's tabs version: its id negated (ids are positive)."""
    return -dossier_id


def tabs_id_sql(dossier_sql: str) -> str:
    """``tabs_id`` in SQL, of the SQL of a file's id."""
    return f"-({dossier_sql})"


def tab_tables() -> set[str]:
    """The tabs' tables, and the tables whose rows belong to one of them."""
    own = {apps.get_model(label)._meta.db_table for label in TAB_MODELS}
    return own | {table for table, spec in file_tables().items() if spec[2] in own}


#: Tables every file's page shows (models' labels); their writes move the global version.
GLOBAL_MODELS = (
    "auth.User",
    "auth.Group",
    "auth.Permission",
    "contenttypes.ContentType",
    "relances.Scenario",
    "relances.ScenarioStep",
    "relances.AutoSendSwitch",
    "paiements.DisputeReason",
    "contacts.MessageTemplate",
)


#: Columns of a global table that no page shows: an UPDATE of these alone moves no
#: version. Every sign-in writes the user's ``last_login``, and would otherwise have
#: every cached page rendered again.
NOT_SHOWN_COLUMNS = {"auth.User": ("last_login", "password")}


def _update_of(table: str, quote) -> str:
    """``UPDATE`` or ``UPDATE OF`` the shown columns of a global table."""
    for label, hidden in NOT_SHOWN_COLUMNS.items():
        model = apps.get_model(label)
        if model._meta.db_table == table:
            shown = [f.column for f in model._meta.concrete_fields if f.name not in hidden]
            return "UPDATE OF " + ", ".join(quote(c) for c in shown)
    return "UPDATE"


def _global_tables() -> list[str]:
    tables = []
    for label in GLOBAL_MODELS:
        model = apps.get_model(label)
        tables.append(model._meta.db_table)
    # The users' groups and rights: the auto-created tables of the many-to-many fields.
    user, group = apps.get_model("auth.User"), apps.get_model("auth.Group")
    for field in (user._meta.get_field("groups"), user._meta.get_field("user_permissions")):
        tables.append(field.remote_field.through._meta.db_table)
    tables.append(group._meta.get_field("permissions").remote_field.through._meta.db_table)
    return tables


def _dossier_column(model) -> str | None:
    dossier = apps.get_model("dossiers.Dossier")
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is dossier:
            return field.column
    return None


def file_tables() -> dict[str, tuple[str, str | None, str | None, str | None]]:
    """Each table of a file, with how a row finds its file: ``(column, None, None,
    None)`` for a row with its own file column; ``(parent's file column, the row's
    foreign key, the parent table, the parent's key)`` for a row that belongs to a
    parent that has one (a means' evidence, a payment's allocations)."""
    dossier = apps.get_model("dossiers.Dossier")
    tables: dict[str, tuple[str, str | None, str | None, str | None]] = {}
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if model is dossier or table in NOT_SHOWN or model._meta.proxy:
            continue
        column = _dossier_column(model)
        if column is not None:
            tables[table] = (column, None, None, None)
            continue
        for field in model._meta.concrete_fields:
            if not field.is_relation or field.related_model is None:
                continue
            parent = field.related_model
            parent_column = _dossier_column(parent)
            if parent_column is not None and parent._meta.db_table not in NOT_SHOWN:
                tables[table] = (
                    parent_column,
                    field.column,
                    parent._meta.db_table,
                    parent._meta.pk.column,
                )
                break
    return dict(sorted(tables.items()))


def _expression(row: str, spec, quote, tabs: bool = False) -> str:
    """The SQL of the version's key for a written row: its file's id, negated for a
    tabs' table (``tabs_id``)."""
    column, fk, parent, pk = spec
    if fk is None:
        expression = f"{row}.{quote(column)}"
    else:
        expression = (
            f"(SELECT p.{quote(column)} FROM {quote(parent)} p "
            f"WHERE p.{quote(pk)} = {row}.{quote(fk)})"
        )
    return tabs_id_sql(expression) if tabs else expression


def _trigger_names(table: str) -> list[str]:
    # Names within PostgreSQL's 63 bytes: the table's name may be long.
    stem = f"fiche_v_{table}"[:56]
    return [f"{stem}_ins", f"{stem}_upd", f"{stem}_del"]


#: A statement of the triggers' installation, with the table it needs (None: always run).
Statement = tuple[str | None, str]


def _sqlite_statements(connection) -> list[Statement]:
    quote = connection.ops.quote_name
    upsert = (
        f"INSERT INTO {VERSIONS} (dossier_id, version) SELECT d, abs(random()) FROM "
        "(SELECT {expr} AS d) WHERE d IS NOT NULL "
        "ON CONFLICT (dossier_id) DO UPDATE SET version = excluded.version;"
    )
    bump_global = (
        f"INSERT INTO {VERSIONS} (dossier_id, version) VALUES ({GLOBAL}, abs(random())) "
        "ON CONFLICT (dossier_id) DO UPDATE SET version = excluded.version;"
    )
    statements = []
    tabs = tab_tables()
    for table, spec in file_tables().items():
        new = _expression("NEW", spec, quote, table in tabs)
        old = _expression("OLD", spec, quote, table in tabs)
        ins, upd, dele = _trigger_names(table)
        for name, event, body in (
            (ins, "INSERT", upsert.format(expr=new)),
            (upd, "UPDATE", upsert.format(expr=old) + " " + upsert.format(expr=new)),
            (dele, "DELETE", upsert.format(expr=old)),
        ):
            statements.append((None, f"DROP TRIGGER IF EXISTS {quote(name)}"))
            statements.append(
                (
                    table,
                    f"CREATE TRIGGER {quote(name)} AFTER {event} ON {quote(table)} "
                    f"FOR EACH ROW BEGIN {body} END",
                )
            )
    statements += _global_triggers(quote, "", f"FOR EACH ROW BEGIN {bump_global} END")
    return statements


PG_RANDOM = "(floor(random() * 9007199254740991))::bigint"


def _postgresql_statements(connection) -> list[Statement]:
    quote = connection.ops.quote_name

    tabs = tab_tables()

    def append(rows: str, spec, table: str) -> str:
        expr = _expression("r", spec, quote, table in tabs)
        return (
            f"INSERT INTO {CHANGES} (dossier_id, r) SELECT d, {PG_RANDOM} FROM "
            f"(SELECT DISTINCT {expr} AS d FROM {rows} r) s WHERE d IS NOT NULL;"
        )

    statements = []
    for table, spec in file_tables().items():
        function = quote(f"fiche_v_{table}"[:60])
        statements.append(
            (
                None,
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $f$ "
                f"BEGIN IF TG_OP <> 'DELETE' THEN {append('fiche_new', spec, table)} END IF; "
                f"IF TG_OP <> 'INSERT' THEN {append('fiche_old', spec, table)} END IF; "
                "RETURN NULL; END $f$",
            )
        )
        statements.extend(_pg_triggers(table, function, quote))
    bump_global = quote("fiche_v_global")
    statements.append(
        (
            None,
            f"CREATE OR REPLACE FUNCTION {bump_global}() RETURNS trigger LANGUAGE plpgsql AS $f$ "
            f"BEGIN INSERT INTO {CHANGES} (dossier_id, r) VALUES ({GLOBAL}, {PG_RANDOM}); "
            "RETURN NULL; END $f$",
        )
    )
    statements += _global_triggers(
        quote, " ON {table}", f"FOR EACH STATEMENT EXECUTE FUNCTION {bump_global}()"
    )
    return statements


def _global_triggers(quote, drop_on: str, action: str) -> list[Statement]:
    """The three triggers of each global table: ``action`` after each event (the
    vendor's DROP names the table with ``drop_on``, PostgreSQL's way)."""
    statements = []
    for table in _global_tables():
        events = ("INSERT", _update_of(table, quote), "DELETE")
        for name, event in zip(_trigger_names(table), events, strict=True):
            on = drop_on.format(table=quote(table))
            # PostgreSQL's DROP names the table, which must then exist.
            statements.append((table if on else None, f"DROP TRIGGER IF EXISTS {quote(name)}{on}"))
            statements.append(
                (table, f"CREATE TRIGGER {quote(name)} AFTER {event} ON {quote(table)} {action}")
            )
    return statements


def version_sql(vendor: str, dossier: str) -> str:
    """The SQL expression of a file's version (``dossier``: its id's SQL; its tabs'
    version with the id negated), or of the global version for ``"0"``: the row's random number on SQLite, the count and sum
    of the file's changes on PostgreSQL (NULL and 0:0 when nothing was ever written)."""
    if vendor == "postgresql":
        return (
            f"(SELECT count(*) || ':' || coalesce(sum(c.r), 0) FROM {CHANGES} c "
            f"WHERE c.dossier_id = {dossier})"
        )
    return f"(SELECT v.version FROM {VERSIONS} v WHERE v.dossier_id = {dossier})"


def read_version(connection, dossier_id: int):
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + version_sql(connection.vendor, "%s"), [dossier_id])
        return cursor.fetchone()[0]


def _pg_triggers(table: str, function: str, quote) -> list[Statement]:
    ins, upd, dele = _trigger_names(table)
    q = quote(table)
    return [
        (table, sql)
        for sql in (
            f"DROP TRIGGER IF EXISTS {quote(ins)} ON {q}",
            f"CREATE TRIGGER {quote(ins)} AFTER INSERT ON {q} REFERENCING NEW TABLE AS fiche_new "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
            f"DROP TRIGGER IF EXISTS {quote(upd)} ON {q}",
            f"CREATE TRIGGER {quote(upd)} AFTER UPDATE ON {q} "
            "REFERENCING OLD TABLE AS fiche_old NEW TABLE AS fiche_new "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
            f"DROP TRIGGER IF EXISTS {quote(dele)} ON {q}",
            f"CREATE TRIGGER {quote(dele)} AFTER DELETE ON {q} REFERENCING OLD TABLE AS fiche_old "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        )
    ]


def covered_tables() -> set[str]:
    """Every table whose writes move a version (a file's or the global one)."""
    return set(file_tables()) | set(_global_tables())


def install(connection) -> None:
    """(Re)make every trigger (idempotent). Nothing before the versions' table exists;
    a table not there yet (a partial migrate) gets its triggers at the next one."""
    existing = set(connection.introspection.table_names())
    if VERSIONS not in existing or CHANGES not in existing:
        return
    if connection.vendor not in ("sqlite", "postgresql"):  # pragma: no cover
        raise NotImplementedError(connection.vendor)  # the product runs on these two only
    with connection.cursor() as cursor:
        for table, sql in _statements(connection):
            if table is None or table in existing:
                cursor.execute(sql)


def _statements(connection) -> list[Statement]:
    if connection.vendor == "sqlite":
        return _sqlite_statements(connection)
    return _postgresql_statements(connection)


def is_current(connection) -> bool:
    """Whether the database's triggers are the ones this code makes: a release that
    changes them (which part a table moves) and whose ``migrate`` has not run yet would
    otherwise serve pages under versions that no longer move with what they show. The
    SQL of each trigger (SQLite) or function (PostgreSQL) is compared with the code's."""
    existing = set(connection.introspection.table_names())
    wanted = {
        sql
        for table, sql in _statements(connection)
        if (table is None or table in existing)
        and sql.startswith(("CREATE TRIGGER", "CREATE OR REPLACE FUNCTION"))
    }
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'fiche_v_%'"
            )
            installed = {sql for (sql,) in cursor.fetchall()}
            return {sql for sql in wanted if sql.startswith("CREATE TRIGGER")} <= installed
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname LIKE 'fiche_v_%'")
        bodies = {body.strip() for (body,) in cursor.fetchall()}
    functions = {sql.split("$f$")[1].strip() for sql in wanted if "$f$" in sql}
    return functions <= bodies and expected_triggers() <= installed_triggers(connection)


def installed_triggers(connection) -> set[tuple[str, str]]:
    """``(table, trigger)`` pairs of the versions' triggers present in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'fiche_v_%'"
            )
        else:
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE 'fiche_v_%' AND NOT t.tgisinternal"
            )
        return set(cursor.fetchall())


def expected_triggers() -> set[tuple[str, str]]:
    return {(table, name) for table in sorted(covered_tables()) for name in _trigger_names(table)}
