"""The query planners' statistics, refreshed after big writes (issue 15).

After ``demo_data`` or a big import the planner's figures describe the tables as
they were (empty, often): PostgreSQL's autovacuum catches up after a while (never
where it is off), SQLite never, and until then a list may pick a plan meant for ten
rows (SQLite walked 25,000 rows of a status and sorted them instead of reading the
sort index: 64 ms → 2.4 ms at 100,000 files). The list's « environ N dossiers »
is PostgreSQL's estimate too.
"""

from __future__ import annotations

from django.db import connections

# SQLite's ANALYZE reads every index whole (~0.8 s at 100,000 files): a bounded
# read (PRAGMA analysis_limit) caps what it can see of a value at that many rows,
# and then a status of 25,000 files looks as selective as one of 1,000 (the
# plan the statistics were meant to fix comes back).
SQLITE_ANALYSIS_LIMIT = 0  # no limit


def refresh_planner_statistics(using: str = "default") -> None:
    """``ANALYZE`` the database: PostgreSQL samples each table, after merging the
    GIN indexes' pending lists; SQLite reads each index, then ``PRAGMA optimize``.
    PostgreSQL's ANALYZE holds no lock that blocks reads or writes of the rows."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit = {int(SQLITE_ANALYSIS_LIMIT)}")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA optimize")
        elif connection.vendor == "postgresql":
            # New rows wait in a GIN index's pending list, which every search
            # reads through until VACUUM merges it (never, autovacuum off): the
            # name search at a million files, 106 ms → 12 ms once merged.
            cursor.execute(
                "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am a ON a.oid = c.relam "
                "WHERE a.amname = 'gin' AND c.relnamespace = current_schema()::regnamespace"
            )
            cursor.execute("ANALYZE")
