"""Communication pages: access, forms, default means preselected, failures keep the text."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from contacts.models import Communication
from dossiers.models import JournalEntry
from pieces.models import Piece
from tests import factories

PAGES = ["hub", "call", "letter", "sms", "email"]


def url(name, dossier):
    return reverse(f"communication:{name}", args=[dossier.pk])


@pytest.fixture
def all_points(mobile, landline, email_point, postal):
    return {"mobile": mobile, "landline": landline, "email": email_point, "postal": postal}


# --- Access -------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_redirected_to_login(client, dossier, name):
    response = client.get(url(name, dossier))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_stranger_gets_404(stranger_client, dossier, name):
    assert stranger_client.get(url(name, dossier)).status_code == 404
    assert stranger_client.post(url(name, dossier), {"action": "send"}).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_owner_and_colleague_see_every_page(client, owner, colleague, dossier, all_points, name):
    for user in (owner, colleague):
        client.force_login(user)
        assert client.get(url(name, dossier)).status_code == 200


def test_unknown_file_404(owner_client):
    assert owner_client.get("/dossiers/999999/communication/sms/").status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_query_counts(owner_client, dossier, all_points, name, django_assert_max_num_queries):
    # More means must not mean more queries.
    for _i in range(5):
        factories.ContactPointFactory(contact=all_points["mobile"].contact, kind="phone")
        factories.ContactPointFactory(contact=all_points["mobile"].contact, kind="email")
        factories.ContactPointFactory(contact=all_points["mobile"].contact, kind="postal")
    with django_assert_max_num_queries(13):
        assert owner_client.get(url(name, dossier)).status_code == 200


def test_dossier_page_query_count_with_icons(
    owner_client, dossier, all_points, django_assert_max_num_queries
):
    contact = all_points["mobile"].contact
    for _i in range(10):
        factories.ContactPointFactory(contact=contact, kind="phone")
    with django_assert_max_num_queries(25):
        response = owner_client.get(reverse("dossiers:detail", args=[dossier.pk]))
    assert response.status_code == 200


# --- Icons on the means and the Actions card ---------------------------------------------


def test_icons_only_where_they_make_sense(owner_client, dossier, all_points):
    factories.ContactPointFactory(
        contact=all_points["mobile"].contact, kind="phone", phone="+33698765432", status="invalid"
    )
    page = owner_client.get(reverse("dossiers:detail", args=[dossier.pk]) + "?x").content.decode()
    assert page.count('aria-label="Appeler"') == 2  # mobile and landline, not the invalid one
    assert page.count('aria-label="Envoyer un SMS"') == 1  # the mobile only
    assert page.count('aria-label="Envoyer un e-mail"') == 1
    assert page.count('aria-label="Envoyer un courrier"') == 1
    assert 'href="tel:+33612345678"' in page
    assert "tel:+33698765432" not in page
    assert "Actions de communication" in page


def test_hub_lists_default_means(owner_client, dossier, all_points):
    page = owner_client.get(url("hub", dossier)).content.decode()
    assert f"?moyen={all_points['mobile'].pk}" in page
    assert f"?moyen={all_points['email'].pk}" in page
    assert f"?moyen={all_points['postal'].pk}" in page


def test_hub_says_when_no_means(owner_client, dossier):
    page = owner_client.get(url("hub", dossier)).content.decode()
    assert "Aucun mobile utilisable dans ce dossier." in page


# --- Default means preselected, others selectable -------------------------------------------


def test_default_preselected_and_other_valid_means_selectable(owner_client, dossier, all_points):
    response = owner_client.get(url("call", dossier))
    form = response.context["form"]
    assert form["point"].value() == all_points["mobile"].pk
    assert set(form.fields["point"].queryset) == {all_points["mobile"], all_points["landline"]}
    response = owner_client.get(url("call", dossier) + f"?moyen={all_points['landline'].pk}")
    assert response.context["form"]["point"].value() == all_points["landline"].pk


def test_invalid_means_not_selectable(owner_client, dossier, all_points):
    bad = factories.ContactPointFactory(
        contact=all_points["mobile"].contact, kind="phone", phone_type="mobile", status="invalid"
    )
    response = owner_client.get(url("sms", dossier) + f"?moyen={bad.pk}")
    form = response.context["form"]
    assert bad not in form.fields["point"].queryset
    assert all_points["landline"] not in form.fields["point"].queryset  # not a mobile
    assert form["point"].value() == all_points["mobile"].pk
    response = owner_client.post(
        url("sms", dossier), {"point": bad.pk, "text": "Bonjour", "action": "send"}
    )
    assert response.status_code == 200
    assert Communication.objects.count() == 0


# --- Actions --------------------------------------------------------------------------


def test_call_report_posts_and_redirects(owner_client, owner, dossier, all_points):
    response = owner_client.post(
        url("call", dossier),
        {
            "point": all_points["landline"].pk,
            "direction": "sortant",
            "outcome": "abouti",
            "comment": "OK",
        },
    )
    assert response.status_code == 302
    all_points["landline"].refresh_from_db()
    assert all_points["landline"].status == "valid"
    entry = JournalEntry.objects.filter(action="call").get()
    assert entry.actor == owner


def test_call_report_without_outcome_shows_error(owner_client, dossier, all_points):
    response = owner_client.post(
        url("call", dossier),
        {"point": all_points["landline"].pk, "direction": "sortant", "comment": "Texte"},
    )
    assert response.status_code == 200
    assert "Choisissez le résultat de l&#x27;appel." in response.content.decode()
    assert "Texte" in response.content.decode()


def test_letter_preview_then_generate(owner_client, dossier, all_points, letter_template):
    data = {"point": all_points["postal"].pk, "template": letter_template.pk, "action": "preview"}
    page = owner_client.post(url("letter", dossier), data).content.decode()
    assert "12 RUE DE L" not in page  # only the last line (postcode and town) is upper-case
    assert "75010 PARIS" in page
    assert "Relance amiable — dossier ACC-1001" in page
    assert Piece.objects.count() == 0
    data["action"] = "generate"
    response = owner_client.post(url("letter", dossier), data)
    assert response.status_code == 302
    assert "onglet=pieces" in response.url
    piece = Piece.objects.get()
    assert piece.origin == "letter"


def test_sms_load_template_fills_text(owner_client, dossier, all_points, sms_template):
    response = owner_client.post(
        url("sms", dossier),
        {
            "point": all_points["mobile"].pk,
            "template": sms_template.pk,
            "text": "",
            "action": "load",
        },
    )
    text = response.context["form"]["text"].value()
    assert "ACC-1001" in text and "{{" not in text
    assert response.context["length"].segments == 1
    assert Communication.objects.count() == 0


def test_sms_send(owner_client, dossier, all_points, sms_outbox):
    response = owner_client.post(
        url("sms", dossier),
        {"point": all_points["mobile"].pk, "text": "Bonjour {{ reference }}", "action": "send"},
    )
    assert response.status_code == 302
    assert sms_outbox()[0]["text"] == "Bonjour ACC-1001"


def test_sms_unknown_placeholder_refused_text_kept(owner_client, dossier, all_points, sms_outbox):
    text = "Bonjour {{ settings.SECRET_KEY }}"
    response = owner_client.post(
        url("sms", dossier), {"point": all_points["mobile"].pk, "text": text, "action": "send"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Variable inconnue ou syntaxe interdite" in page
    assert response.context["form"]["text"].value() == text
    assert sms_outbox() == []


def test_sms_provider_failure_message_and_text_kept(owner_client, dossier, all_points, settings):
    settings.SMS_BACKEND = "contacts.messaging.sms_backends.HttpSmsBackend"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/sms"  # discard port: nobody listens
    text = "Bonjour, merci de rappeler au sujet du dossier."
    response = owner_client.post(
        url("sms", dossier), {"point": all_points["mobile"].pk, "text": text, "action": "send"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Le SMS n&#x27;a pas été envoyé" in page
    assert "injoignable" in page
    assert text in page
    assert JournalEntry.objects.get(action="sms").data["outcome"] == "failed"


def test_email_send_and_copy_in_pieces(owner_client, dossier, all_points):
    response = owner_client.post(
        url("email", dossier),
        {
            "point": all_points["email"].pk,
            "subject": "Dossier {{ reference }}",
            "body": "Bonjour",
            "action": "send",
        },
    )
    assert response.status_code == 302
    assert mail.outbox[0].subject == "Dossier ACC-1001"
    assert Piece.objects.get().origin == "email"


def test_email_smtp_down_message_and_text_kept(owner_client, dossier, all_points, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    body = "Bonjour,\nmerci de nous rappeler.\nCordialement"
    response = owner_client.post(
        url("email", dossier),
        {"point": all_points["email"].pk, "subject": "Relance", "body": body, "action": "send"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "L&#x27;e-mail n&#x27;a pas été envoyé" in page
    assert response.context["form"]["body"].value() == body
    assert Piece.objects.count() == 0
    assert JournalEntry.objects.get(action="email").data["outcome"] == "failed"


# --- htmx: the form is replaced in place, success redirects the whole page ---------------


def test_htmx_load_template_returns_only_the_form(owner_client, dossier, all_points, sms_template):
    response = owner_client.post(
        url("sms", dossier),
        {"point": all_points["mobile"].pk, "template": sms_template.pk, "action": "load"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert 'id="communication-form"' in page
    assert "<html" not in page
    assert "ACC-1001" in page


def test_htmx_success_redirects_with_hx_redirect(owner_client, dossier, all_points):
    response = owner_client.post(
        url("call", dossier),
        {"point": all_points["landline"].pk, "direction": "sortant", "outcome": "messagerie"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].endswith("?onglet=journal#onglets")


def test_htmx_failure_keeps_text_in_place(owner_client, dossier, all_points, settings):
    settings.SMS_BACKEND = "contacts.messaging.sms_backends.HttpSmsBackend"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/sms"
    response = owner_client.post(
        url("sms", dossier),
        {"point": all_points["mobile"].pk, "text": "Texte précieux", "action": "send"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert "<html" not in page
    assert "Le SMS n&#x27;a pas été envoyé" in page
    assert "Texte précieux" in page
