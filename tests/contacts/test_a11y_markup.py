"""What the keyboard and a screen reader rely on in the client file's HTML (issue 16):
real buttons, names that say what they act on, the inert star out of the tab order,
skip links, one messages template, one default-confirmation sentence."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.messages import constants
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def points(dossier):
    contact = factories.ContactFactory(dossier=dossier)
    now = timezone.now()
    return {
        "default": factories.ContactPointFactory(
            contact=contact, phone="+33612345678", status="valid", is_default=True, validated_at=now
        ),
        "valid": factories.ContactPointFactory(
            contact=contact, phone="+33142685300", status="valid", validated_at=now
        ),
        "pending": factories.ContactPointFactory(contact=contact, phone="+33734410024"),
    }


def button_names(html: str) -> list[str]:
    """The accessible name of every <button>: its aria-label, else its text."""
    from html.parser import HTMLParser

    class Buttons(HTMLParser):
        def __init__(self):
            super().__init__()
            self.names, self.current = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "button":
                self.current = [dict(attrs).get("aria-label"), ""]

        def handle_data(self, data):
            if self.current is not None:
                self.current[1] += data

        def handle_endtag(self, tag):
            if tag == "button" and self.current is not None:
                label, text = self.current
                self.names.append(label or " ".join(text.split()))
                self.current = None

    parser = Buttons()
    parser.feed(html)
    return parser.names


def file_html(client, dossier) -> str:
    return client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()


def row(html: str, point) -> str:
    start = html.index(f'data-point="{point.pk}"')
    return html[start : html.index("</li>", start)]


def test_stars_are_real_buttons_and_the_full_one_is_not_a_tab_stop(owner_client, dossier, points):
    html = file_html(owner_client, dossier)
    assert 'role="button"' not in html
    full = row(html, points["default"])
    assert re.search(
        r'<button type="button"[^>]*tabindex="-1"[^>]*aria-label="Moyen par défaut"', full
    )
    empty = row(html, points["valid"])
    assert re.search(
        r'<form method="get" action="[^"]+/par-defaut/"[^>]*><button type="submit"', empty
    )
    assert 'aria-label="Utiliser par défaut"' in empty


def test_means_buttons_keep_their_word_and_name_their_means(owner_client, dossier, points):
    html = file_html(owner_client, dossier)
    pending = row(html, points["pending"])
    assert 'aria-label="Valider 07 34 41 00 24"' in pending and ">Valider</button>" in pending
    assert 'aria-label="Invalider 07 34 41 00 24"' in pending
    assert 'aria-label="Modifier 06 12 34 56 78"' in row(html, points["default"])
    # The reassignment's « Valider » is the only button named exactly so.
    assert button_names(html).count("Valider") == 1


def test_states_in_words_and_a_legend_of_the_stars(owner_client, dossier, points):
    html = file_html(owner_client, dossier)
    assert 'app-state-pending">À qualifier</span>' in row(html, points["pending"])
    legend = html[html.index('id="contacts-legend"') :]
    legend = legend[: legend.index("</p>")]
    assert "moyen par défaut" in legend and "le choisir par défaut" in legend


def test_skip_links_lead_to_the_content_the_contacts_and_the_actions(owner_client, dossier):
    html = file_html(owner_client, dossier)
    for target in ("contenu", "contact-block", "actions"):
        assert f'href="#{target}"' in html
        assert f'id="{target}"' in html


def test_an_overdue_next_action_is_red_and_said_on_the_file(owner_client, owner):
    dossier = factories.DossierFactory(
        assigned_to=owner,
        next_action="Relance",
        next_action_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    html = file_html(owner_client, dossier)
    assert 'class="app-overdue" data-testid="prochaine-action"' in html
    assert "Prochaine action en retard : Relance" in html


def test_one_messages_template_for_the_page_and_htmx(owner):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = RequestFactory().get("/")
    request.user = owner
    request.session = {}
    storage = FallbackStorage(request)
    storage.add(constants.SUCCESS, "06 12 34 56 78 est validé.")
    request._messages = storage
    oob = render_to_string("contacts/_messages_oob.html", request=request)
    assert 'hx-swap-oob="true"' in oob and "06 12 34 56 78 est validé." in oob
    page = render_to_string("_messages.html", request=request)
    assert "hx-swap-oob" not in page


def test_one_default_confirmation_sentence(owner_client, dossier, points):
    sentence = "sera proposé pour toute action manuelle et utilisé pour toute action automatique"
    dialog = file_html(owner_client, dossier)
    no_js = owner_client.get(
        reverse("contacts:point_default", args=[dossier.pk, points["valid"].pk])
    ).content.decode()
    assert sentence in dialog and sentence in no_js
    assert "<strong>01 42 68 53 00</strong>" in no_js
    assert "à la place de 06 12 34 56 78" in no_js
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    holders = [p for p in templates.rglob("*.html") if sentence in p.read_text()]
    assert [p.name for p in holders] == ["_default_sentence.html"]
