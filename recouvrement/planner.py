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

# SQLite reads this many rows per index to estimate it (``PRAGMA analysis_limit``,
# SQLite 3.32+): an ANALYZE of 100,000 files in milliseconds instead of a second.
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_planner_statistics(using: str = "default") -> None:
    """``ANALYZE`` the database (PostgreSQL samples each table; SQLite, a bounded
    read of each index, then ``PRAGMA optimize``). Outside a transaction is best:
    PostgreSQL's ANALYZE holds no lock that blocks reads or writes of the rows."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit = {int(SQLITE_ANALYSIS_LIMIT)}")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA optimize")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
