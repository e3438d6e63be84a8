"""Hostile input in every user-controlled field never runs in anyone's browser.

Payloads that would set ``window.__xss`` (script tags, attribute break-outs with
``onerror``/``onload``, ``javascript:`` URLs, a closing ``</textarea>``) are stored in
the names and reference of a file, a contact's names, function and observation, a
note, a piece's description and file name, e-mail and postal fields, a message
template and the journal (through the services that quote names). Then Chromium
opens every page of the application (walked from the URL resolver) as an agent and
every admin page of every registered model as a manager, and checks: nothing ran,
no dialog opened, no element was injected, no CSP violation was even attempted.
"""

from __future__ import annotations

import io

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import NoReverseMatch, reverse

from contacts import services as contact_services
from contacts.models import ContactPoint, MessageTemplate
from dossiers import services as dossier_services
from pieces.models import Piece
from tests import factories
from tests.browser.conftest import screenshot, sign_in
from tests.security.urlwalk import FileObjects, RouteKwargs, UnknownArgument, app_routes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCRIPT = "<script>window.__xss=1</script>"
IMG = '"><img src=x onerror="window.__xss=1">'
SVG = "'><svg onload=window.__xss=1>"
JS_URL = "javascript:window.__xss=1"
TEXTAREA = "</textarea><script>window.__xss=1</script>"
ALL = f"{IMG}{SVG}{SCRIPT}{TEXTAREA} {JS_URL}"

WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""
INJECTED = (
    "img[src='x'], svg[onload], [onerror], [onload]:not(body):not(link):not(script), "
    "a[href^='javascript' i], iframe, object, embed, script:not([src])"
)


@pytest.fixture(autouse=True)
def _groups(transactional_db):
    # Transactional tests flush the database, groups created by migrations included.
    from django.apps import apps

    from recouvrement.groups import groups_sync

    groups_sync(apps)


@pytest.fixture
def imported_file(owner, tmp_path):
    """A file that arrives through the CSV import, payloads in its columns."""
    from django.core.management import call_command

    from dossiers.models import Dossier

    csv = tmp_path / "dossiers.csv"
    name = f"Import {IMG}{SCRIPT}".replace('"', '""')
    csv.write_text(
        "reference;nom;type;siren;charge;statut\n"
        f'IMP-1;"{name}";particulier;;{owner.username};en_cours\n',
        encoding="utf-8",
    )
    call_command("import_dossiers", str(csv), stdout=io.StringIO())
    return Dossier.objects.get(reference="IMP-1")


@pytest.fixture
def hostile_file(owner, colleague):
    dossier = factories.DossierFactory(
        assigned_to=owner, reference=IMG[:50], name=f"Société {ALL}"[:200]
    )
    factories.ReceivableFactory(dossier=dossier, number=SVG[:50])
    contact = factories.ContactFactory(
        dossier=dossier,
        first_name=IMG[:100],
        last_name=f"Durand {SCRIPT}"[:100],
        function=SVG[:100],
        observation=f"Rappeler le matin. {ALL}",
    )
    phone = factories.ContactPointFactory(contact=contact, status="valid", is_default=True)
    factories.ContactPointFactory(contact=contact, status="valid")
    factories.ContactPointFactory(
        contact=contact,
        kind="postal",
        address_line1=IMG[:38],
        address_line2=SCRIPT[:38],
        city=SVG[:38],
        status="invalid",
    )
    factories.ContactPointFactory(contact=contact, kind="email", email='"><svg/onload=x>"@ex.fr')
    dossier_services.note_create(dossier=dossier, text=f"Note : {ALL}", user=owner)
    piece = Piece(
        dossier=dossier,
        original_name=f"{IMG}.pdf"[:255],
        description=f"Relevé {ALL}"[:500],
        content_type="application/pdf",
        size=8,
        uploaded_by=owner,
    )
    piece.file.save("x", ContentFile(b"%PDF-1.4"), save=False)
    piece.save()
    # The journal quotes names and values: a star change and a reassignment.
    other = ContactPoint.objects.filter(contact=contact, is_default=False, kind="phone").get()
    contact_services.contact_point_set_default(point=other, user=owner)
    dossier_services.dossier_reassign(dossier=dossier, assignee=colleague, user=owner)
    dossier_services.dossier_reassign(dossier=dossier, assignee=owner, user=owner)
    template = MessageTemplate.objects.create(
        name=f"Relance {IMG}"[:100],
        channel=MessageTemplate.Channel.values[0],
        subject=SCRIPT,
        body=f"Bonjour, {ALL}",
    )
    return FileObjects(
        dossier=dossier, contact=contact, point=phone, piece=piece, template=template
    )


def _check(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    assert page.evaluate("window.__xss") is None, f"{url}: a payload ran"
    assert page.locator(INJECTED).count() == 0, (
        f"{url}: injected element {page.locator(INJECTED).first.evaluate('e => e.outerHTML')}"
    )
    assert page.evaluate("window.__violations") == [], f"{url}: CSP violation attempted"


def _watch(page, dialogs):
    page.add_init_script(WATCH)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))


def test_no_page_runs_a_stored_payload(page, hostile_file, imported_file, owner):
    dialogs: list[str] = []
    _watch(page, dialogs)
    sign_in(page, owner.username)
    kwargs = RouteKwargs(hostile_file)
    urls = [
        reverse("dossiers:list") + "?vue=tous",
        reverse("dossiers:list") + "?vue=mes",
        reverse("dossiers:list") + "?vue=top",
    ]
    for route in app_routes():
        if route.name in {"login", "logout"}:
            continue
        try:
            urls.append(kwargs.url(route))
        except (UnknownArgument, NoReverseMatch):
            continue
    detail = reverse("dossiers:detail", kwargs={"pk": hostile_file.dossier.pk})
    urls += [f"{detail}?onglet={tab}" for tab in ("notes", "pieces", "journal")]
    imported = reverse("dossiers:detail", kwargs={"pk": imported_file.pk})
    urls += [imported, f"{imported}?onglet=journal"]
    visited = 0
    for url in dict.fromkeys(urls):
        response = page.request.get(url)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue  # POST-only actions and downloads
        _check(page, url)
        visited += 1
    assert visited >= 4

    page.goto(detail)
    # The payloads are shown as text, not swallowed.
    assert page.get_by_text("Rappeler le matin.", exact=False).count() >= 1
    assert SCRIPT in page.locator("main").inner_text()
    # The invalid means (with the payload address) shown too, then the star dialog.
    checkbox = page.get_by_label("Afficher contacts invalides")
    if checkbox.count():
        checkbox.check()
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") is None
    star = page.get_by_role("button", name="Utiliser par défaut")
    if star.count():
        star.first.click()
        page.wait_for_timeout(300)
        assert page.evaluate("window.__xss") is None
    screenshot(page, "contenu-hostile-fiche")
    assert dialogs == []


def test_search_for_a_payload_runs_nothing(page, hostile_file, owner):
    dialogs: list[str] = []
    _watch(page, dialogs)
    sign_in(page, owner.username)
    search = page.get_by_role("searchbox", name="Rechercher un dossier")
    search.fill(IMG)
    search.press("Enter")
    page.wait_for_load_state("load")
    assert page.evaluate("window.__xss") is None
    assert page.locator(INJECTED).count() == 0
    assert page.evaluate("window.__violations") == []
    assert dialogs == []


def test_admin_pages_run_no_payload(page, hostile_file, manager):
    dialogs: list[str] = []
    _watch(page, dialogs)
    sign_in(page, manager.username)
    checked = 0
    for model, _model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        try:
            urls = [reverse(f"{prefix}_changelist")]
        except NoReverseMatch:
            continue
        obj = model._default_manager.order_by("-pk").first()
        if obj is not None:
            urls.append(reverse(f"{prefix}_change", args=[obj.pk]))
        for url in urls:
            response = page.request.get(url)
            if response.status != 200:
                continue  # not for a manager (users, groups)
            page.goto(url)
            assert page.evaluate("window.__xss") is None, url
            injected = page.locator("img[src='x'], svg[onload], a[href^='javascript' i]")
            assert injected.count() == 0, url
            checked += 1
    assert checked >= 6
    assert dialogs == []
