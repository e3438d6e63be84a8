"""The bulk writers under the import commands (multi-row INSERT on SQLite, COPY on
PostgreSQL, UPDATE … FROM VALUES): what they write, and that a constraint still
refuses bad rows with Django's own exception."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from dossiers.models import Dossier
from recouvrement.importing.base import Counters, KeyLines
from recouvrement.importing.bulk import insert_objects, new_instance, update_objects
from tests import factories

pytestmark = pytest.mark.django_db

FIELDS = ("reference", "name", "kind", "status", "created_at", "updated_at")


def new_dossier(reference: str) -> Dossier:
    now = timezone.now()
    return new_instance(
        Dossier,
        reference=reference,
        name=f"Client {reference}",
        kind=Dossier.Kind.INDIVIDUAL,
        status=Dossier.Status.IN_PROGRESS,
        created_at=now,
        updated_at=now,
    )


def test_insert_gives_the_new_keys_and_writes_the_rows():
    dossiers = [new_dossier(f"B-{i}") for i in range(3)]
    insert_objects(Dossier, dossiers, FIELDS, returning=True)
    stored = dict(Dossier.objects.values_list("pk", "reference"))
    assert stored == {d.pk: d.reference for d in dossiers}
    # Fields not given get their model default.
    assert set(Dossier.objects.values_list("siren", flat=True)) == {""}


def test_a_constraint_violation_is_djangos_integrity_error_and_writes_nothing():
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_objects(Dossier, [new_dossier("B-1"), new_dossier("B-1")], FIELDS, returning=True)
    assert not Dossier.objects.exists()


def test_update_writes_only_the_given_columns_nulls_included():
    first = factories.DossierFactory(name="Avant", oldest_due_date=datetime.date(2026, 1, 5))
    second = factories.DossierFactory(name="Avant aussi")
    first.name, first.oldest_due_date = "Après", None
    second.name, second.oldest_due_date = "Après aussi", datetime.date(2026, 3, 1)
    second.status = Dossier.Status.CLOSED  # not in the columns: not written
    update_objects(Dossier, [first, second], ["name", "oldest_due_date"])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.name, first.oldest_due_date) == ("Après", None)
    assert (second.name, second.oldest_due_date) == ("Après aussi", datetime.date(2026, 3, 1))
    assert second.status == Dossier.Status.IN_PROGRESS


def test_key_table_finds_every_duplicate_with_its_first_line_through_growth():
    seen = KeyLines(size=8)
    keys = [hash(("D-1", f"F{i}")) for i in range(20_000)] + [0, 7, 7 + 8, -5]
    for line, key in enumerate(keys, start=2):
        assert seen.first_line(key, line) == 0
    assert len(seen) == len(keys)
    for line, key in enumerate(keys, start=2):
        assert seen.first_line(key, 99_999) == line


def test_counters_keep_each_files_counts_across_growth():
    counters = Counters(3, size=4)
    ids = [*range(1, 5_000), 10**12, 2**40 + 1]
    for pk in ids:
        counters.add(pk, 0)
        counters.add(pk, 2, pk % 7)
    counters.add(10**12, 1, 5)
    assert len(counters) == len(ids)
    assert list(counters) == sorted(ids)
    assert counters[3] == (1, 0, 3)
    assert counters[10**12] == (1, 5, 10**12 % 7)
    assert 4_999 in counters and 5_000 not in counters
    with pytest.raises(KeyError):
        counters[5_000]
    assert dict(counters.items())[2] == (1, 0, 2)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics of PostgreSQL's planner")
def test_analyze_samples_only_the_tables_an_import_has_grown():
    from django.test.utils import CaptureQueriesContext

    from dossiers.models import Receivable
    from recouvrement.importing.base import analyze

    dossier = factories.DossierFactory()
    for n in range(20):
        factories.ReceivableFactory(dossier=dossier, number=f"F{n}")
    table = Receivable._meta.db_table

    def analysed(rows: int) -> bool:
        with CaptureQueriesContext(connection) as queries:
            analyze({table: ("dossier_id",)}, rows)
        return any(q["sql"].startswith("ANALYZE") for q in queries.captured_queries)

    assert analysed(100)  # 20 rows known (or never analysed) for 100 read: sampled
    assert not analysed(2)  # 20 rows now known, 2 read: the statistics still hold
    with CaptureQueriesContext(connection) as queries:
        analyze({table: ("dossier_id",)}, 1000, columns_only=True)
    assert queries.captured_queries[-1]["sql"] == f'ANALYZE "{table}" ("dossier_id")'
