"""The qualification services and the default rule (SPEC §2, seed: « validé »,
« validé et à utiliser par défaut », « en attente de qualification »)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contacts import services
from contacts.models import Contact, ContactPoint, Evidence
from dossiers.models import Dossier, JournalEntry
from tests import factories

pytestmark = pytest.mark.django_db
EK = Evidence.Kind


def point(contact, **kwargs):
    return factories.ContactPointFactory(contact=contact, **kwargs)


def refreshed(*points):
    for p in points:
        p.refresh_from_db()
    return points


@pytest.fixture
def contact(dossier):
    return factories.ContactFactory(dossier=dossier, first_name="Agnès", last_name="Perrin")


@pytest.fixture
def other_contact(dossier):
    return factories.ContactFactory(dossier=dossier, first_name="Basile", last_name="Roux")


# --- Transitions ---------------------------------------------------------------


def test_validate_pending_records_evidence_and_journal(contact, owner):
    p = point(contact)
    evidence = services.contact_point_validate(point=p, user=owner)
    p.refresh_from_db()
    assert p.status == "valid"
    assert p.last_evidence == evidence
    assert evidence.kind == EK.MANUAL_VALIDATE and evidence.recorded_by == owner
    assert p.validated_at is not None
    entry = JournalEntry.objects.filter(action="point_validated").get()
    assert entry.actor == owner and p.display_value in entry.message


def test_invalidate_then_cancel_returns_to_pending(contact, owner):
    p = point(contact)
    services.contact_point_invalidate(point=p, user=owner)
    p.refresh_from_db()
    assert p.status == "invalid"
    services.contact_point_cancel_validation(point=p, user=owner)
    p.refresh_from_db()
    assert p.status == "pending"
    assert p.last_evidence.kind == EK.MANUAL_CANCEL
    assert JournalEntry.objects.filter(action="point_validation_cancelled").exists()


def test_cancel_validation_of_valid_returns_to_pending(contact, owner):
    p = point(contact)
    services.contact_point_validate(point=p, user=owner)
    services.contact_point_cancel_validation(point=p, user=owner)
    (p,) = refreshed(p)
    assert p.status == "pending" and not p.is_default


@pytest.mark.parametrize(
    ("service", "status", "message"),
    [
        (services.contact_point_validate, "valid", "déjà validé"),
        (services.contact_point_invalidate, "invalid", "déjà invalide"),
        (services.contact_point_cancel_validation, "pending", "déjà à qualifier"),
    ],
)
def test_manual_action_that_changes_nothing_is_refused(contact, owner, service, status, message):
    p = point(contact, status=status, is_default=status == "valid")
    before = JournalEntry.objects.count()
    with pytest.raises(services.QualificationError, match=message):
        service(point=p, user=owner)
    assert JournalEntry.objects.count() == before
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("kind", "evidence", "status"),
    [
        ("phone", EK.CALL_COMPLETED, "valid"),
        ("phone", EK.CALL_INCOMING, "valid"),
        ("phone", EK.WRONG_NUMBER, "invalid"),
        ("postal", EK.RECEIPT_ACK, "valid"),
        ("postal", EK.LETTER_INCOMING, "valid"),
        ("postal", EK.NPAI, "invalid"),
        ("email", EK.EMAIL_REPLY, "valid"),
        ("email", EK.BOUNCE, "invalid"),
    ],
)
def test_evidence_kinds_per_means_kind(contact, owner, kind, evidence, status):
    p = point(contact, kind=kind)
    services.evidence_record(point=p, kind=evidence, user=owner)
    (p,) = refreshed(p)
    assert p.status == status
    assert p.last_evidence.kind == evidence


@pytest.mark.parametrize(
    ("kind", "evidence"),
    [("phone", EK.NPAI), ("email", EK.CALL_COMPLETED), ("postal", EK.BOUNCE)],
)
def test_evidence_of_another_kind_of_means_is_refused(contact, owner, kind, evidence):
    p = point(contact, kind=kind)
    with pytest.raises(services.QualificationError, match="ne s'applique pas"):
        services.evidence_record(point=p, kind=evidence, user=owner)
    (p,) = refreshed(p)
    assert p.status == "pending" and not Evidence.objects.exists()


def test_imported_evidence_keeps_source_and_detail(contact):
    p = point(contact)
    services.evidence_record(
        point=p,
        kind=EK.CALL_INCOMING,
        source=Evidence.Source.IMPORT,
        source_detail="import téléphonie",
    )
    (p,) = refreshed(p)
    assert p.last_evidence.source == "import"
    assert p.last_evidence.source_detail == "import téléphonie"
    assert JournalEntry.objects.filter(action="point_validated", actor_kind="import").exists()


# --- The default rule ---------------------------------------------------------------


def test_first_validated_of_a_kind_becomes_default(contact, owner):
    phone, email = point(contact), point(contact, kind="email")
    services.contact_point_validate(point=phone, user=owner)
    services.contact_point_validate(point=email, user=owner)
    phone, email = refreshed(phone, email)
    assert phone.is_default and email.is_default  # one per kind
    assert JournalEntry.objects.filter(action="default_changed").count() == 2


def test_second_validated_does_not_take_the_star(contact, other_contact, owner):
    first, second = point(contact), point(other_contact)
    services.contact_point_validate(point=first, user=owner)
    services.contact_point_validate(point=second, user=owner)
    first, second = refreshed(first, second)
    assert first.is_default and not second.is_default


def test_set_default_moves_the_star_across_contacts(contact, other_contact, owner):
    first, second = point(contact), point(other_contact)
    services.contact_point_validate(point=first, user=owner)
    services.contact_point_validate(point=second, user=owner)
    services.contact_point_set_default(point=second, user=owner)
    first, second = refreshed(first, second)
    assert second.is_default and not first.is_default
    entry = JournalEntry.objects.filter(action="default_changed").first()
    assert f"à la place de {first.display_value}" in entry.message


def test_only_a_validated_means_can_be_default(contact, owner):
    for status in ("pending", "invalid"):
        p = point(contact, status=status)
        with pytest.raises(services.QualificationError, match="Seul un moyen de contact validé"):
            services.contact_point_set_default(point=p, user=owner)
        (p,) = refreshed(p)
        assert not p.is_default


@pytest.mark.parametrize("action", ["invalidate", "cancel_validation"])
def test_default_lost_goes_to_most_recently_validated_of_that_kind_across_contacts(
    contact, other_contact, owner, action
):
    now = timezone.now()
    default = point(contact, status="valid", is_default=True, validated_at=now)
    older = point(contact, status="valid", validated_at=now - datetime.timedelta(days=10))
    recent = point(other_contact, status="valid", validated_at=now - datetime.timedelta(days=1))
    email = point(contact, kind="email", status="valid", validated_at=now)  # other kind
    pending = point(other_contact)  # not validated: never the default
    getattr(services, f"contact_point_{action}")(point=default, user=owner)
    default, older, recent, email, pending = refreshed(default, older, recent, email, pending)
    assert not default.is_default
    assert recent.is_default
    assert not older.is_default and not email.is_default and not pending.is_default


def test_default_lost_by_evidence_goes_to_next(contact, owner):
    now = timezone.now()
    default = point(contact, status="valid", is_default=True, validated_at=now)
    other = point(contact, status="valid", validated_at=now - datetime.timedelta(days=3))
    services.evidence_record(point=default, kind=EK.WRONG_NUMBER, user=owner)
    default, other = refreshed(default, other)
    assert other.is_default and default.status == "invalid" and not default.is_default


def test_default_lost_with_no_other_valid_means_leaves_none(contact, owner):
    default = point(contact, status="valid", is_default=True, validated_at=timezone.now())
    point(contact)  # pending
    point(contact, status="invalid")
    services.contact_point_invalidate(point=default, user=owner)
    assert not ContactPoint.objects.filter(is_default=True).exists()


def test_invalidating_a_non_default_keeps_the_default(contact, owner):
    default = point(contact, status="valid", is_default=True, validated_at=timezone.now())
    other = point(contact, status="valid", validated_at=timezone.now())
    services.contact_point_invalidate(point=other, user=owner)
    default, other = refreshed(default, other)
    assert default.is_default and other.status == "invalid"


def test_revalidated_means_takes_star_only_if_none(contact, owner):
    p = point(contact, status="invalid")
    services.contact_point_validate(point=p, user=owner)
    (p,) = refreshed(p)
    assert p.is_default


# --- « Vérification coordonnées » -------------------------------------------------------


def test_file_without_usable_means_goes_to_contact_check_and_back(dossier, contact, owner):
    only = point(contact, status="valid", is_default=True, validated_at=timezone.now())
    services.contact_point_invalidate(point=only, user=owner)
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.CONTACT_CHECK
    entry = JournalEntry.objects.filter(action="status_changed").get()
    assert "Vérification coordonnées" in entry.message and entry.actor_kind == "system"

    services.contact_point_cancel_validation(point=only, user=owner)
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.IN_PROGRESS
    assert JournalEntry.objects.filter(action="status_changed").count() == 2


def test_new_means_brings_file_back_to_in_progress(dossier, contact, owner):
    dossier.status = Dossier.Status.CONTACT_CHECK
    dossier.save()
    services.contact_point_create(contact=contact, user=owner, kind="phone", phone="0612345678")
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.IN_PROGRESS


def test_a_file_with_a_pending_means_left_stays_in_progress(dossier, contact, owner):
    only_valid = point(contact, status="valid", is_default=True, validated_at=timezone.now())
    point(contact)
    services.contact_point_invalidate(point=only_valid, user=owner)
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.IN_PROGRESS


def test_closed_file_is_not_moved(dossier, contact, owner):
    dossier.status = Dossier.Status.CLOSED
    dossier.save()
    only = point(contact, status="valid", is_default=True, validated_at=timezone.now())
    services.contact_point_invalidate(point=only, user=owner)
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.CLOSED


# --- Creating and editing -------------------------------------------------------------


def test_contact_create_with_means_normalised(dossier, owner):
    contact = services.contact_create(
        dossier=dossier,
        user=owner,
        civility="Mme",
        first_name="Agnès",
        last_name="Perrin",
        function="DAF",
        observation="Joignable le matin",
        points=[
            ("phone", {"phone": "06 12 34 56 78"}),
            ("phone", {"phone": "+33 (0)1 42 68 53 00"}),
            ("email", {"email": "  Agnes.Perrin@Example.FR "}),
            (
                "postal",
                {
                    "address_line1": "12  rue de l'Échiquier",
                    "address_line2": "Bâtiment B",
                    "postcode": "75 010",
                    "city": "Paris",
                },
            ),
        ],
    )
    points = {p.value_key: p for p in contact.points.all()}
    mobile, landline = points["+33612345678"], points["+33142685300"]
    assert mobile.phone_type == "mobile" and landline.phone_type == "fixe"
    assert mobile.display_value == "06 12 34 56 78"
    assert points["agnes.perrin@example.fr"].email == "agnes.perrin@example.fr"
    postal = points["12 RUE DE L ECHIQUIER|BATIMENT B||75010"]
    assert postal.address_line1 == "12 rue de l'Échiquier" and postal.postcode == "75010"
    assert all(p.dossier_id == dossier.pk and p.status == "pending" for p in points.values())
    actions = list(JournalEntry.objects.values_list("action", flat=True))
    assert actions.count("contact_created") == 1 and actions.count("point_created") == 4


def test_contact_create_refuses_subjective_observation_and_writes_nothing(dossier, owner):
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(
            dossier=dossier,
            user=owner,
            last_name="Roux",
            observation="Menteur",
            points=[("phone", {"phone": "0612345678"})],
        )
    assert "« menteur »" in excinfo.value.message_dict["observation"][0]
    assert not Contact.objects.exists() and not JournalEntry.objects.exists()


def test_duplicate_means_within_a_contact_refused_and_nothing_written(dossier, owner):
    with pytest.raises(ValidationError, match="déjà enregistré pour ce contact"):
        services.contact_create(
            dossier=dossier,
            user=owner,
            last_name="Roux",
            points=[("phone", {"phone": "0612345678"}), ("phone", {"phone": "+33 6 12 34 56 78"})],
        )
    assert not Contact.objects.exists() and not ContactPoint.objects.exists()


def test_same_means_on_two_contacts_is_allowed(contact, other_contact, owner):
    services.contact_point_create(contact=contact, user=owner, kind="email", email="a@b.fr")
    services.contact_point_create(contact=other_contact, user=owner, kind="email", email="A@B.fr")
    assert ContactPoint.objects.filter(value_key="a@b.fr").count() == 2


def test_contact_update_journals_changed_fields(contact, owner):
    services.contact_update(
        contact=contact,
        user=owner,
        civility="Mme",
        first_name="Agnès",
        last_name="Perrin",
        function="Comptable",
        observation="",
    )
    entry = JournalEntry.objects.get(action="contact_updated")
    assert "fonction" in entry.message
    contact.refresh_from_db()
    assert contact.function == "Comptable"


def test_point_update_new_value_requalifies_and_moves_star(contact, owner):
    now = timezone.now()
    default = point(contact, status="valid", is_default=True, validated_at=now)
    other = point(contact, status="valid", validated_at=now - datetime.timedelta(days=1))
    services.contact_point_update(point=default, user=owner, phone="06 98 76 54 32")
    default, other = refreshed(default, other)
    assert default.value_key == "+33698765432" and default.status == "pending"
    assert not default.is_default and other.is_default
    assert "nouvelle valeur à qualifier" in JournalEntry.objects.get(action="point_updated").message


def test_point_update_same_value_other_spelling_keeps_qualification(contact, owner):
    p = point(
        contact,
        kind="postal",
        status="valid",
        is_default=True,
        validated_at=timezone.now(),
        address_line1="12 rue de la Paix",
        value_key="12 RUE DE LA PAIX|||75002",
    )
    services.contact_point_update(
        point=p, user=owner, address_line1="12 Rue de la Paix", postcode="75002", city="Paris"
    )
    (p,) = refreshed(p)
    assert p.status == "valid" and p.is_default and p.address_line1 == "12 Rue de la Paix"


@pytest.mark.parametrize(
    ("kind", "values", "field", "message"),
    [
        ("phone", {"phone": "06 12"}, "phone", "n'est pas un numéro de téléphone valide"),
        ("phone", {"phone": "abc"}, "phone", "n'est pas un numéro de téléphone valide"),
        ("email", {"email": "pas-une-adresse"}, "email", "n'est pas une adresse e-mail valide"),
        (
            "postal",
            {"address_line1": "x" * 39, "postcode": "75010", "city": "Paris"},
            "address_line1",
            "Au plus 38 caractères",
        ),
        (
            "postal",
            {"address_line1": "1 rue A", "postcode": "7501", "city": "Paris"},
            "postcode",
            "5 chiffres",
        ),
        ("postal", {"address_line1": "1 rue A", "postcode": "75010"}, "city", "ville"),
    ],
)
def test_invalid_values_are_refused_in_french(contact, owner, kind, values, field, message):
    with pytest.raises(ValidationError) as excinfo:
        services.contact_point_create(contact=contact, user=owner, kind=kind, **values)
    assert message in " ".join(excinfo.value.message_dict[field])
    assert not ContactPoint.objects.exists()


def test_foreign_postcode_not_held_to_french_format(contact, owner):
    p = services.contact_point_create(
        contact=contact,
        user=owner,
        kind="postal",
        address_line1="Rue de la Loi 16",
        postcode="1000",
        city="Bruxelles",
        country="be",
    )
    assert p.country == "BE" and p.postcode == "1000"
