"""The substring search of references and names (issue 15): on SQLite an FTS5
trigram index kept in step by triggers, whoever writes; on either database the
same files as the plain comparison."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossiers import search_index, selectors
from dossiers.models import Dossier
from tests import factories

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(
    not search_index.supported(connection), reason="the FTS5 index is SQLite's"
)


def indexed(text: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(search_index.CANDIDATES, [search_index.match_phrase(text)])
        return {row[0] for row in cursor.fetchall()}


def assert_in_step() -> None:
    """FTS5's own check of an external-content index against its table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO dossiers_dossier_fts (dossiers_dossier_fts, rank) "
            "VALUES ('integrity-check', 1)"
        )


def found(text: str) -> set[int]:
    return set(Dossier.objects.filter(selectors.search_q(text)).values_list("pk", flat=True))


def plain(text: str) -> set[int]:
    query = text.strip()
    return set(Dossier.objects.filter(selectors.plain_text_q(query)).values_list("pk", flat=True))


@sqlite_only
class TestKeptInStep:
    def test_create_rename_delete(self):
        dossier = factories.DossierFactory(reference="FTS-001", name="Boulangerie Martin")
        assert indexed("ulanger") == {dossier.pk} and indexed("FTS-0") == {dossier.pk}
        dossier.name = "Pharmacie Durand"
        dossier.save()
        assert indexed("ulanger") == set() and indexed("macie dur") == {dossier.pk}
        assert found("macie dur") == {dossier.pk}
        assert_in_step()
        dossier.delete()
        assert indexed("macie") == set() and found("macie") == set()
        assert_in_step()

    def test_a_write_of_other_columns_leaves_the_index_alone(self):
        dossier = factories.DossierFactory(reference="FTS-002", name="Garage Morel")
        Dossier.objects.filter(pk=dossier.pk).update(status=Dossier.Status.PAYMENT)
        assert indexed("arage mor") == {dossier.pk}
        assert_in_step()

    def test_bulk_writes(self):
        Dossier.objects.bulk_create(
            [Dossier(reference=f"BULK-{i}", name=f"Société Roux {i}") for i in range(50)]
        )
        assert len(indexed("iété roux")) == 50
        Dossier.objects.filter(reference__startswith="BULK-1").update(name="Cabinet Petit")
        assert len(indexed("inet pet")) == 11 and len(indexed("iété roux")) == 39
        Dossier.objects.filter(reference__startswith="BULK-2").delete()
        assert len(indexed("iété roux")) == 28
        assert_in_step()

    def test_an_import_of_files(self, tmp_path, owner):
        path = tmp_path / "dossiers.csv"
        path.write_text(
            "reference;nom;type;siren;charge;statut\r\n"
            "IMP-1;Boulangerie Martin;particulier;;agnes;\r\n"
            "IMP-2;Jeanne Petit;particulier;;;\r\n",
            encoding="utf-8",
        )
        call_command("import_dossiers", str(path), "--no-progress", stdout=io.StringIO())
        first = Dossier.objects.get(reference="IMP-1")
        assert found("langerie mar") == {first.pk}
        path.write_text(
            "reference;nom;type;siren;charge;statut\r\nIMP-1;Pâtisserie Martin;;;;\r\n",
            encoding="utf-8",
        )
        call_command("import_dossiers", str(path), "--no-progress", stdout=io.StringIO())
        assert found("langerie") == set() and found("tisserie") == {first.pk}
        assert_in_step()

    def test_a_remade_table_gets_its_triggers_back(self):
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER dossiers_dossier_fts_insert")
        assert search_index.ensure(connection) is True
        dossier = factories.DossierFactory(name="Quincaillerie Blanc")
        assert indexed("caillerie") == {dossier.pk}
        assert search_index.ensure(connection) is False


class TestSameResultsAsThePlainPath:
    """What the index finds is what ``LIKE`` finds: SQLite's LIKE folds the case of
    ASCII letters only (« É » is not « é »), FTS5 of every letter; the plain
    condition applied to the index's candidates keeps LIKE's answer."""

    @pytest.mark.parametrize(
        "text",
        [
            "martin",
            "MARTIN",
            "Élise",
            "élise",
            "ÉLISE",
            "é",
            "ma",
            "M",
            "REF-0",
            "ref-00",
            "%",
            "_",
            "a_b",
            "50%",
            '"',
            "Mart'",
            "  tin  ",
            "Société Roux",
        ],
    )
    def test_examples(self, text):
        for reference, name in [
            ("REF-001", "Boulangerie Martin"),
            ("ref-002", "Élise Dupont"),
            ("REF-003", "élise martin"),
            ("REF-004", 'Garage a_b 50% "L\'Étoile"'),
            ("X-REF-0", "Société Roux"),
        ]:
            factories.DossierFactory(reference=reference, name=name)
        assert found(text) == plain(text)

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        names=st.lists(st.text(alphabet="aAéÉeEïÏ oO-_%'\"1ß", max_size=12), max_size=6),
        text=st.text(alphabet="aAéÉeEïÏ oO-_%'\"1ß", max_size=5),
    )
    def test_any_names_any_query(self, names, text):
        with transaction.atomic():
            Dossier.objects.bulk_create(
                [Dossier(reference=f"H-{i}{n[:3]}", name=n) for i, n in enumerate(names)]
            )
            try:
                assert found(text) == plain(text)
            finally:
                transaction.set_rollback(True)
