"""import_contacts: people and their means, normalised identity, idempotence, the
default rule after import, and the errors of a contact file."""

from __future__ import annotations

import pytest
from django.utils import timezone

from contacts.models import Contact, ContactPoint, Evidence
from dossiers.models import Dossier, JournalEntry
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = [
    "reference_dossier",
    "contact",
    "civilite",
    "nom",
    "prenom",
    "fonction",
    "canal",
    "telephone",
    "email",
    "adresse1",
    "code_postal",
    "ville",
    "statut",
    "par_defaut",
]


def row(contact="c1", canal="telephone", tel="", email="", adresse="", statut="", defaut="", **kw):
    values = {
        "reference_dossier": kw.get("ref", "D-1"),
        "contact": contact,
        "civilite": kw.get("civilite", "Mme"),
        "nom": kw.get("nom", "Durand"),
        "prenom": kw.get("prenom", "Élise"),
        "fonction": kw.get("fonction", ""),
        "canal": canal,
        "telephone": tel,
        "email": email,
        "adresse1": adresse,
        "code_postal": kw.get("cp", "75002" if adresse else ""),
        "ville": kw.get("ville", "Paris" if adresse else ""),
        "statut": statut,
        "par_defaut": defaut,
    }
    return [values[h] for h in HEADER]


@pytest.fixture
def dossier():
    return factories.DossierFactory(reference="D-1", status=Dossier.Status.IN_PROGRESS)


def test_rows_with_the_same_key_are_one_person(csv_file, run_import, dossier):
    path = csv_file(
        [
            HEADER,
            row(tel="06 12 34 56 78", statut="valide", defaut="oui"),
            row(canal="email", email="Elise.Durand@Example.fr"),
            row(canal="courrier", adresse="12 rue de la Paix"),
            row(contact="c2", nom="Martin", prenom="", canal="telephone", tel="01 42 68 53 00"),
        ]
    )
    run = run_import("import_contacts", path)
    assert run.ok, run.err
    assert "4 créé(s)" in run.out
    elise = Contact.objects.get(external_key="c1")
    assert (elise.civility, elise.first_name, elise.last_name) == ("Mme", "Élise", "Durand")
    phone = elise.points.get(kind="phone")
    assert (phone.phone.as_e164, phone.phone_type, phone.status, phone.is_default) == (
        "+33612345678",
        "mobile",
        "valid",
        True,
    )
    assert phone.last_evidence.kind == Evidence.Kind.IMPORTED
    assert elise.points.get(kind="email").value_key == "elise.durand@example.fr"
    landline = Contact.objects.get(external_key="c2").points.get()
    assert landline.phone_type == "fixe"
    entry = JournalEntry.objects.get(dossier=dossier)
    assert entry.actor_kind == "import"
    assert "2 contacts ajoutés, 4 moyens de contact ajoutés" in entry.message
    assert entry.data == {
        "import": path.name,
        "counts": {
            "contacts_added": 2,
            "contacts_updated": 0,
            "means_added": 4,
            "means_updated": 0,
        },
        "default_changed": False,
    }


def test_same_means_in_another_format_is_the_same_means(csv_file, run_import, dossier):
    assert run_import("import_contacts", csv_file([HEADER, row(tel="06 12 34 56 78")])).ok
    run = run_import("import_contacts", csv_file([HEADER, row(tel="+33 6 12 34 56 78")]))
    assert run.ok
    assert "0 créé(s), 0 modifié(s), 1 inchangé(s)" in run.out
    assert ContactPoint.objects.count() == 1


def test_reimport_keeps_what_agents_qualified(csv_file, run_import, dossier):
    path = csv_file([HEADER, row(tel="0612345678"), row(canal="email", email="e@example.fr")])
    assert run_import("import_contacts", path).ok
    # An agent validates the phone in the application.
    ContactPoint.objects.filter(kind="phone").update(
        status="valid", is_default=True, validated_at=timezone.now()
    )
    journal = JournalEntry.objects.count()
    run = run_import("import_contacts", path)
    assert run.ok
    assert "2 inchangé(s)" in run.out and "déjà été importé" in run.out
    phone = ContactPoint.objects.get(kind="phone")
    assert (phone.status, phone.is_default) == ("valid", True)
    assert JournalEntry.objects.count() == journal


def test_file_status_overrides_and_invalid_default_passes_the_star(csv_file, run_import, dossier):
    path = csv_file(
        [
            HEADER,
            row(tel="0612345678", statut="valide", defaut="oui"),
            row(tel="0698765432", statut="valide"),
        ]
    )
    assert run_import("import_contacts", path).ok
    first = ContactPoint.objects.get(value_key="+33612345678")
    assert first.is_default
    run = run_import(
        "import_contacts", csv_file([HEADER, row(tel="0612345678", statut="invalide")])
    )
    assert run.ok, run.err
    first.refresh_from_db()
    second = ContactPoint.objects.get(value_key="+33698765432")
    assert (first.status, first.is_default) == ("invalid", False)
    assert second.is_default
    entry = JournalEntry.objects.filter(dossier=dossier).first()
    # The sentence the services write too, with the contact's name.
    assert "06 98 76 54 32 (" in entry.message
    assert ") devient le moyen par défaut (téléphone)" in entry.message


def test_validated_means_without_default_get_the_most_recent_one(csv_file, run_import, dossier):
    contact = factories.ContactFactory(dossier=dossier, external_key="c1")
    older = factories.ContactPointFactory(
        contact=contact,
        status="valid",
        validated_at=timezone.now() - timezone.timedelta(days=3),
    )
    run = run_import("import_contacts", csv_file([HEADER, row(tel="0698765432", statut="valide")]))
    assert run.ok, run.err
    newer = ContactPoint.objects.get(value_key="+33698765432")
    older.refresh_from_db()
    assert newer.is_default and not older.is_default
    assert JournalEntry.objects.get(dossier=dossier, action="import").data["default_changed"]


def test_named_default_moves_the_star(csv_file, run_import, dossier):
    contact = factories.ContactFactory(dossier=dossier, external_key="c1")
    former = factories.ContactPointFactory(contact=contact, status="valid", is_default=True)
    run = run_import(
        "import_contacts", csv_file([HEADER, row(tel="0698765432", statut="valide", defaut="oui")])
    )
    assert run.ok, run.err
    former.refresh_from_db()
    assert not former.is_default
    assert ContactPoint.objects.get(value_key="+33698765432").is_default


def test_only_invalid_means_puts_the_file_in_contact_check(csv_file, run_import, dossier):
    run = run_import(
        "import_contacts", csv_file([HEADER, row(tel="0612345678", statut="invalide")])
    )
    assert run.ok, run.err
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.CONTACT_CHECK
    assert "Vérification coordonnées" in JournalEntry.objects.get(dossier=dossier).message
    run_import("import_contacts", csv_file([HEADER, row(tel="0698765432")]))
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("bad", "column", "message"),
    [
        (row(tel="06 12"), "telephone", "n'est pas un numéro de téléphone valide"),
        (row(canal="email", email="pas@"), "email", "n'est pas une adresse e-mail valide"),
        (row(canal="fax"), "canal", "canal inconnu"),
        (row(ref="D-404", tel="0611111111"), "reference_dossier", "dossier inconnu"),
        (row(tel="0611111111", statut="peut-etre"), "statut", "statut inconnu"),
        (row(tel="0611111111", defaut="oui"), "par_defaut", "validé peut être par défaut"),
        (row(tel="0611111111", statut="a_qualifier", defaut="oui"), "par_defaut", "validé"),
        (row(tel="0611111111", defaut="peut-être"), "par_defaut", "répondez « oui » ou « non »"),
        (row(contact="c9", nom="", tel="0611111111"), "nom", "nom est obligatoire"),
        (row(canal="courrier", adresse="1 rue X", cp="7500"), "code_postal", "5 chiffres"),
        (row(canal="courrier", adresse="x" * 39), "adresse1", "au plus 38 caractères"),
        (row(tel="0612345678"), "contact", "en double dans le fichier"),
        (row(tel="0611111111", fonction="alcoolique"), "fonction", "objectives"),
    ],
)
def test_errors(csv_file, run_import, dossier, bad, column, message):
    path = csv_file([HEADER, row(tel="0612345678", statut="valide"), bad])
    run = run_import("import_contacts", path)
    assert not run.ok
    assert f"ligne 3, colonne « {column} »" in run.err, run.err
    assert message in run.err
    assert not Contact.objects.exists()


def test_default_on_a_means_agents_left_pending(csv_file, run_import, dossier):
    contact = factories.ContactFactory(dossier=dossier, external_key="c1")
    factories.ContactPointFactory(contact=contact, phone="+33612345678", value_key="+33612345678")
    run = run_import("import_contacts", csv_file([HEADER, row(tel="0612345678", defaut="oui")]))
    assert not run.ok
    assert "ce moyen est « à qualifier »" in run.err


def test_two_defaults_of_a_kind_for_one_file(csv_file, run_import, dossier):
    path = csv_file(
        [
            HEADER,
            row(tel="0612345678", statut="valide", defaut="oui"),
            row(contact="c2", tel="0622222222", statut="valide", defaut="1"),
            row(contact="c2", canal="email", email="a@example.fr", statut="valide", defaut="oui"),
        ]
    )
    run = run_import("import_contacts", path)
    assert not run.ok
    assert "ligne 3, colonne « par_defaut » : deux moyens par défaut de type téléphone" in run.err
    assert "ligne 4" not in run.err  # one e-mail default is fine


def test_an_import_that_renames_a_contact_keeps_the_old_name(csv_file, run_import, dossier):
    """The rectification trail (GDPR art. 16) holds for imports too."""
    assert run_import("import_contacts", csv_file([HEADER, row(tel="0612345678")])).ok
    renamed = [HEADER, row(tel="0612345678", nom="Durand-Petit", prenom="Élise")]
    assert run_import("import_contacts", csv_file(renamed)).ok
    contact = Contact.objects.get()
    assert contact.last_name == "Durand-Petit"
    entry = JournalEntry.objects.get(action=JournalEntry.Action.CONTACT_UPDATED)
    assert entry.data["contact"] == contact.pk
    assert entry.data["before"] == {"last_name": "Durand"}
    assert entry.data["after"] == {"last_name": "Durand-Petit"}
    assert "Avant : nom « Durand »" in entry.message
    assert entry.actor_kind == JournalEntry.ActorKind.IMPORT
