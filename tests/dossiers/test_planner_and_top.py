"""The planner's statistics after big writes, and the « Top encours » total that is
not summed over a million files on every request (issue 15)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dossiers import selectors
from dossiers.models import Dossier
from recouvrement import planner

pytestmark = pytest.mark.django_db


def planner_rows() -> int | None:
    """What the planner believes the files' table holds."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'dossiers_dossier'")
            return int(cursor.fetchone()[0])
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'dossiers_dossier' LIMIT 1")
        row = cursor.fetchone()
        return int(row[0].split()[0]) if row else None


def test_refresh_planner_statistics_counts_the_rows():
    Dossier.objects.bulk_create([Dossier(reference=f"A-{i}", name="A") for i in range(30)])
    planner.refresh_planner_statistics()
    assert planner_rows() == 30


def test_an_import_refreshes_them(tmp_path, owner):
    path = tmp_path / "dossiers.csv"
    rows = "".join(f"IMP-{i};Nom {i};particulier;;;\r\n" for i in range(25))
    path.write_text("reference;nom;type;siren;charge;statut\r\n" + rows, encoding="utf-8")
    call_command("import_dossiers", str(path), "--no-progress", stdout=io.StringIO())
    assert planner_rows() == 25


def test_a_dry_run_leaves_them(tmp_path, owner, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "recouvrement.importing.command.refresh_planner_statistics", lambda: calls.append(1)
    )
    path = tmp_path / "dossiers.csv"
    path.write_text("reference;nom;type;siren;charge;statut\r\nD-1;N;;;;\r\n", encoding="utf-8")
    call_command("import_dossiers", str(path), "--dry-run", "--no-progress", stdout=io.StringIO())
    assert calls == []
    call_command("import_dossiers", str(path), "--no-progress", stdout=io.StringIO())
    assert calls == [1]


def test_demo_data_refreshes_them():
    call_command("demo_data", "--dossiers", "12", stdout=io.StringIO())
    assert planner_rows() == Dossier.objects.count() >= 12


class TestTopTotal:
    def make(self, owner, amounts):
        Dossier.objects.bulk_create(
            [
                Dossier(reference=f"T-{i}", name="T", assigned_to=owner, outstanding=Decimal(a))
                for i, a in enumerate(amounts)
            ]
        )

    def test_few_files_exact_and_fresh(self, owner_client, owner):
        self.make(owner, [100] * 30)
        url = reverse("dossiers:list") + "?vue=top"
        assert "sur 3\u00a0000,00\u00a0€)" in owner_client.get(url).content.decode()
        Dossier.objects.filter(reference="T-0").update(outstanding=Decimal(1100))
        page = owner_client.get(url).content.decode()
        assert "sur 4\u00a0000,00\u00a0€)" in page and "calculé" not in page

    def test_many_files_a_snapshot_of_at_most_a_minute(self, owner_client, owner, monkeypatch):
        monkeypatch.setattr(selectors, "OUTSTANDING_TOTAL_EXACT_UP_TO", 10)
        cache.delete(selectors.OUTSTANDING_TOTAL_CACHE_KEY)
        self.make(owner, [100] * 30)
        url = reverse("dossiers:list") + "?vue=top"
        start = timezone.now().replace(second=0, microsecond=0)
        later = start + datetime.timedelta(seconds=61)
        at, at_later = (f"{timezone.localtime(t):%H:%M}" for t in (start, later))
        with time_machine.travel(start, tick=False):
            page = owner_client.get(url).content.decode()
        assert "sur 3\u00a0000,00\u00a0€, encours total calculé à " + at + ")" in page
        Dossier.objects.filter(reference="T-0").update(outstanding=Decimal(1100))
        with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
            assert "sur 3\u00a0000,00\u00a0€, encours" in owner_client.get(url).content.decode()
        with time_machine.travel(later, tick=False):
            page = owner_client.get(url).content.decode()
        assert "sur 4\u00a0000,00\u00a0€, encours total calculé à " + at_later + ")" in page
        cache.delete(selectors.OUTSTANDING_TOTAL_CACHE_KEY)
