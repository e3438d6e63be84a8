"""The contact block's pages and actions: access, htmx and plain forms, the default's
confirmation, the invalid-means checkbox, reassignment, and constant query counts."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, ContactPoint
from contacts.selectors import SHOW_INVALID_SESSION_KEY
from dossiers.models import Dossier, JournalEntry
from tests import factories

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def contact(dossier):
    return factories.ContactFactory(
        dossier=dossier, first_name="Agnès", last_name="Perrin", function="DAF"
    )


@pytest.fixture
def points(contact):
    now = timezone.now()
    return {
        "default": factories.ContactPointFactory(
            contact=contact,
            phone="+33612345678",
            status="valid",
            is_default=True,
            validated_at=now,
        ),
        "valid": factories.ContactPointFactory(
            contact=contact,
            phone="+33142685300",
            phone_type="fixe",
            status="valid",
            validated_at=now - datetime.timedelta(days=2),
        ),
        "pending": factories.ContactPointFactory(contact=contact, kind="email"),
        "invalid": factories.ContactPointFactory(
            contact=contact, phone="+33698765432", status="invalid"
        ),
    }


def detail(dossier):
    return reverse("dossiers:detail", args=[dossier.pk])


def action_urls(dossier, contact, point):
    return [
        ("get", reverse("contacts:contact_create", args=[dossier.pk])),
        ("get", reverse("contacts:contact_update", args=[dossier.pk, contact.pk])),
        ("get", reverse("contacts:phone_create", args=[dossier.pk, contact.pk])),
        ("get", reverse("contacts:point_update", args=[dossier.pk, point.pk])),
        ("get", reverse("contacts:point_default", args=[dossier.pk, point.pk])),
        ("post", reverse("contacts:point_validate", args=[dossier.pk, point.pk])),
        ("post", reverse("contacts:point_invalidate", args=[dossier.pk, point.pk])),
        ("post", reverse("contacts:point_cancel_validation", args=[dossier.pk, point.pk])),
        ("post", reverse("contacts:show_invalid", args=[dossier.pk])),
    ]


# --- Access --------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, dossier, contact, points):
    for method, url in action_urls(dossier, contact, points["pending"]):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
    assert points["pending"].evidences.count() == 0


def test_stranger_gets_404_and_changes_nothing(stranger_client, dossier, contact, points):
    for method, url in action_urls(dossier, contact, points["pending"]):
        assert getattr(stranger_client, method)(url).status_code == 404, url
    points["pending"].refresh_from_db()
    assert points["pending"].status == "pending"


@pytest.mark.parametrize("who", ["owner", "colleague"])
def test_owner_and_colleague_can_work_the_block(client, request, dossier, points, who):
    client.force_login(request.getfixturevalue(who))
    pending = points["pending"]
    url = reverse("contacts:point_validate", args=[dossier.pk, pending.pk])
    response = client.post(url)
    assert response.status_code == 302 and response.url.endswith("#contact-block")
    pending.refresh_from_db()
    assert pending.status == "valid"


def test_means_of_another_file_is_404(owner_client, dossier, points):
    other = factories.DossierFactory()
    url = reverse("contacts:point_validate", args=[other.pk, points["pending"].pk])
    assert owner_client.post(url).status_code == 404


def test_reader_without_change_permission_gets_403(client, dossier, points):
    reader = factories.UserFactory(username="lecteur")
    reader.user_permissions.add(Permission.objects.get(codename="view_dossier"))
    client.force_login(reader)
    url = reverse("contacts:point_validate", args=[dossier.pk, points["pending"].pk])
    assert client.post(url).status_code == 403
    assert client.get(reverse("contacts:contact_create", args=[dossier.pk])).status_code == 403
    # ... and sees no action buttons.
    html = client.get(detail(dossier)).content.decode()
    assert "Utiliser par défaut" not in html and ">Invalider<" not in html


# --- Display -------------------------------------------------------------------------


def test_block_shows_states_stars_and_why(owner_client, dossier, points, owner):
    from contacts import services

    services.contact_point_validate(point=points["pending"], user=owner)
    html = owner_client.get(detail(dossier)).content.decode()
    assert 'aria-label="Moyen par défaut"' in html
    assert html.count('aria-label="Utiliser par défaut"') == 1
    # The state in words and colour (a badge), then why.
    assert 'app-state-valid">Validé</span> — validation manuelle le' in html
    assert "Agnès Martin" in html
    assert "06 12 34 56 78" in html and ">mobile<" in html and ">fixe<" in html
    # Invalid means hidden by default, counted.
    assert "06 98 76 54 32" not in html
    assert "1 moyen invalide masqué" in html


def test_pending_means_has_no_star(owner_client, dossier, points):
    response = owner_client.get(detail(dossier), **{})
    html = response.content.decode()
    start = html.index(f'data-point="{points["pending"].pk}"')
    row = html[start : html.index("</li>", start)]
    assert "bi-star" not in row
    assert "À qualifier" in row and ">Valider<" in row and ">Invalider<" in row


def test_show_invalid_is_kept_in_session_and_shows_them_in_red(owner_client, dossier, points):
    url = reverse("contacts:show_invalid", args=[dossier.pk])
    response = owner_client.post(url, {"show_invalid": "1"})
    assert response.status_code == 302
    assert owner_client.session[SHOW_INVALID_SESSION_KEY] is True
    html = owner_client.get(detail(dossier)).content.decode()
    start = html.index(f'data-point="{points["invalid"].pk}"')
    assert "invalide" in html[html.rindex("<li", 0, start) : start]
    assert "06 98 76 54 32" in html
    assert 'id="id_show_invalid" checked' in html

    owner_client.post(url, {})
    assert owner_client.session[SHOW_INVALID_SESSION_KEY] is False
    assert "06 98 76 54 32" not in owner_client.get(detail(dossier)).content.decode()


def test_show_invalid_with_htmx_returns_the_block_only(owner_client, dossier, points):
    url = reverse("contacts:show_invalid", args=[dossier.pk])
    response = owner_client.post(url, {"show_invalid": "1"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card shadow-sm app-contact-block"')
    assert "06 98 76 54 32" in html and "<html" not in html


def test_action_with_htmx_rerenders_block_with_message(owner_client, dossier, points):
    url = reverse("contacts:point_invalidate", args=[dossier.pk, points["valid"].pk])
    html = owner_client.post(url, **HTMX).content.decode()
    assert 'id="contact-block"' in html
    assert 'hx-swap-oob="true"' in html and "est invalidé" in html
    points["valid"].refresh_from_db()
    assert points["valid"].status == "invalid"


def test_refused_action_shows_french_message_not_an_error_page(owner_client, dossier, points):
    url = reverse("contacts:point_validate", args=[dossier.pk, points["valid"].pk])
    response = owner_client.post(url, follow=True)
    assert response.status_code == 200
    assert "Ce moyen de contact est déjà validé." in response.content.decode()


# --- The default, with and without JavaScript --------------------------------------------


def test_confirmation_page_names_new_and_former_default(owner_client, dossier, points):
    url = reverse("contacts:point_default", args=[dossier.pk, points["valid"].pk])
    html = owner_client.get(url).content.decode()
    assert "<strong>01 42 68 53 00</strong>" in html
    assert "à la place de 06 12 34 56 78" in html
    assert ">Oui<" in html and ">Non<" in html
    points["default"].refresh_from_db()
    assert points["default"].is_default  # asking changes nothing


def test_oui_makes_it_default_and_journals(owner_client, dossier, points):
    url = reverse("contacts:point_default", args=[dossier.pk, points["valid"].pk])
    response = owner_client.post(url)
    assert response.status_code == 302
    points["valid"].refresh_from_db()
    points["default"].refresh_from_db()
    assert points["valid"].is_default and not points["default"].is_default
    assert JournalEntry.objects.filter(action="default_changed", actor__isnull=False).exists()


def test_star_cannot_go_to_a_pending_means(owner_client, dossier, points):
    url = reverse("contacts:point_default", args=[dossier.pk, points["pending"].pk])
    assert owner_client.get(url).status_code == 302
    response = owner_client.post(url, follow=True)
    assert "Seul un moyen de contact validé" in response.content.decode()
    assert not ContactPoint.objects.filter(pk=points["pending"].pk, is_default=True).exists()


def test_empty_star_carries_what_the_dialog_needs(owner_client, dossier, points):
    html = owner_client.get(detail(dossier)).content.decode()
    assert 'data-value="01 42 68 53 00" data-former="06 12 34 56 78"' in html
    assert 'id="default-confirm"' in html and "js/contact-block.js" in html


# --- Vérification coordonnées through the UI ------------------------------------------------


def test_invalidating_the_last_means_in_the_ui_flags_the_file(owner_client, dossier, contact):
    only = factories.ContactPointFactory(
        contact=contact, status="valid", is_default=True, validated_at=timezone.now()
    )
    owner_client.post(reverse("contacts:point_invalidate", args=[dossier.pk, only.pk]))
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.CONTACT_CHECK
    assert "Vérification coordonnées" in owner_client.get(detail(dossier)).content.decode()
    owner_client.post(reverse("contacts:point_validate", args=[dossier.pk, only.pk]))
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.IN_PROGRESS


# --- Adding and editing -------------------------------------------------------------------


def test_add_contact_with_means(owner_client, dossier):
    url = reverse("contacts:contact_create", args=[dossier.pk])
    page = owner_client.get(url).content.decode()
    assert "Renseigner les données de contact" in page
    response = owner_client.post(
        url,
        {
            "civility": "M.",
            "first_name": "Basile",
            "last_name": "Roux",
            "function": "Comptable",
            "observation": "Joignable le matin",
            "tel1-phone": "06 12 34 56 78",
            "tel2-phone": "",
            "email-email": "Basile.Roux@Example.fr",
            "courrier-address_line1": "",
            "courrier-country": "FR",
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get(last_name="Roux")
    assert sorted(contact.points.values_list("value_key", flat=True)) == [
        "+33612345678",
        "basile.roux@example.fr",
    ]


def test_add_contact_refused_term_keeps_input_and_names_term(owner_client, dossier):
    url = reverse("contacts:contact_create", args=[dossier.pk])
    response = owner_client.post(
        url,
        {"last_name": "Roux", "observation": "Vrai menteur", "tel1-phone": "0612345678"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Le terme « menteur » n&#x27;est pas autorisé (jugement subjectif)" in html
    assert 'value="0612345678"' in html and "Vrai menteur" in html
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tel1-phone": "06 12"}, "n&#x27;est pas un numéro de téléphone valide"),
        ({"email-email": "pas-une-adresse"}, "n&#x27;est pas une adresse e-mail valide"),
        (
            {
                "courrier-address_line1": "1 rue A",
                "courrier-city": "Paris",
                "courrier-postcode": "7501",
            },
            "Le code postal français comporte 5 chiffres",
        ),
        (
            {
                "courrier-address_line1": "x" * 40,
                "courrier-city": "Paris",
                "courrier-postcode": "75001",
            },
            "Au plus 38 caractères par ligne",
        ),
        ({"courrier-address_line1": "1 rue A"}, "Saisissez la ville."),
        (
            {"tel1-phone": "0612345678", "tel2-phone": "+33 6 12 34 56 78"},
            "Ce numéro de téléphone est déjà enregistré pour ce contact.",
        ),
        ({"last_name": ""}, "Saisissez le nom du contact."),
    ],
)
def test_add_contact_errors_in_french(owner_client, dossier, data, message):
    payload = {"last_name": "Roux", "courrier-country": "FR", **data}
    response = owner_client.post(reverse("contacts:contact_create", args=[dossier.pk]), payload)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Contact.objects.exists()


def test_all_errors_shown_at_once(owner_client, dossier):
    response = owner_client.post(
        reverse("contacts:contact_create", args=[dossier.pk]),
        {"last_name": "", "tel1-phone": "06 12", "email-email": "x@"},
    )
    html = response.content.decode()
    assert "Saisissez le nom du contact." in html
    assert "« 06 12 » n&#x27;est pas un numéro de téléphone valide." in html
    assert "« x@ » n&#x27;est pas une adresse e-mail valide." in html


def test_edit_contact_and_means(owner_client, dossier, contact, points):
    url = reverse("contacts:contact_update", args=[dossier.pk, contact.pk])
    assert "Ajouter un téléphone" in owner_client.get(url).content.decode()
    owner_client.post(
        url,
        {
            "civility": "Mme",
            "first_name": "Agnès",
            "last_name": "Perrin-Roux",
            "function": "DAF",
            "observation": "",
        },
    )
    contact.refresh_from_db()
    assert contact.last_name == "Perrin-Roux"

    point_url = reverse("contacts:point_update", args=[dossier.pk, points["valid"].pk])
    assert 'value="01 42 68 53 00"' in owner_client.get(point_url).content.decode()
    response = owner_client.post(point_url, {"phone": "06 12 34 56 78"})
    assert (
        "Ce numéro de téléphone est déjà enregistré pour ce contact." in response.content.decode()
    )
    owner_client.post(point_url, {"phone": "+33 1 42 68 53 01"})
    points["valid"].refresh_from_db()
    assert points["valid"].value_key == "+33142685301" and points["valid"].status == "pending"


def test_add_means_to_existing_contact(owner_client, dossier, contact):
    url = reverse("contacts:postal_create", args=[dossier.pk, contact.pk])
    response = owner_client.post(
        url,
        {
            "address_line1": "12 rue de l'Échiquier",
            "postcode": "75010",
            "city": "Paris",
            "country": "FR",
        },
    )
    assert response.status_code == 302
    assert contact.points.get().value_key == "12 RUE DE L ECHIQUIER|||75010"


# --- Reassignment --------------------------------------------------------------------------


def test_reassign_journaled(owner_client, dossier, colleague):
    response = owner_client.post(
        reverse("dossiers:reassign", args=[dossier.pk]), {"assigned_to": colleague.pk}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.assigned_to == colleague
    entry = JournalEntry.objects.get(action="reassigned")
    assert "Bruno Caron" in entry.message


def test_reassign_without_permission_is_403(client, dossier, colleague):
    reader = factories.UserFactory(username="lecteur")
    reader.user_permissions.add(Permission.objects.get(codename="view_dossier"))
    client.force_login(reader)
    response = client.post(
        reverse("dossiers:reassign", args=[dossier.pk]), {"assigned_to": colleague.pk}
    )
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.assigned_to != colleague
    assert 'id="id_assigned_to"' not in client.get(detail(dossier)).content.decode()


def test_reassign_select_lists_active_collaborators(owner_client, dossier, colleague):
    factories.agent(username="parti", first_name="Zoé", last_name="Partie", is_active=False)
    html = owner_client.get(detail(dossier)).content.decode()
    assert ">Bruno Caron<" in html and "Zoé Partie" not in html


# --- Query counts -------------------------------------------------------------------------


def grow(dossier, contacts: int):
    for _ in range(contacts):
        contact = factories.ContactFactory(dossier=dossier)
        factories.ContactPointFactory(contact=contact, status="valid", validated_at=timezone.now())
        factories.ContactPointFactory(contact=contact, kind="email")
        factories.ContactPointFactory(contact=contact, kind="postal", status="invalid")
        ev_point = factories.ContactPointFactory(contact=contact)
        from contacts import services

        services.contact_point_validate(point=ev_point, user=dossier.assigned_to)


def block_queries(client, dossier) -> int:
    url = reverse("contacts:show_invalid", args=[dossier.pk])
    with CaptureQueriesContext(connection) as ctx:
        assert client.post(url, {"show_invalid": "1"}, **HTMX).status_code == 200
    return len(ctx.captured_queries)


def test_block_query_count_constant_as_contacts_and_means_grow(owner_client, dossier):
    grow(dossier, 1)
    small = block_queries(owner_client, dossier)
    grow(dossier, 8)
    assert block_queries(owner_client, dossier) == small


def test_block_and_file_page_query_budget(owner_client, dossier, django_assert_max_num_queries):
    grow(dossier, 6)
    with django_assert_max_num_queries(12):
        owner_client.post(reverse("contacts:show_invalid", args=[dossier.pk]), {}, **HTMX)
    with django_assert_max_num_queries(25):
        owner_client.get(detail(dossier))


@pytest.mark.parametrize("view", ["contact_create", "contact_update", "point_update"])
def test_form_pages_query_budget(
    owner_client, dossier, contact, points, view, django_assert_max_num_queries
):
    args = {
        "contact_create": [dossier.pk],
        "contact_update": [dossier.pk, contact.pk],
        "point_update": [dossier.pk, points["valid"].pk],
    }[view]
    # 10 + 1: the « À faire » count in the navigation (relances).
    with django_assert_max_num_queries(11):
        assert owner_client.get(reverse(f"contacts:{view}", args=args)).status_code == 200


def test_a_means_typed_in_says_who_and_an_imported_one_says_so(owner_client, owner, dossier):
    from contacts import services as contact_services

    contact = contact_services.contact_create(
        dossier=dossier,
        user=owner,
        last_name="Roux",
        points=[("email", {"email": "compta@roux.fr"})],
    )
    factories.ContactPointFactory(
        contact=contact, kind="email", email="ancien@roux.fr", value_key="ancien@roux.fr"
    )
    html = owner_client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"saisi le {today}, Agnès Martin" in html
    assert f"importé le {today}" in html
