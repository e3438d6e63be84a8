"""Every URL of the project, walked from the resolver: who gets in, who does not.

- anonymous: redirected to the login page, for GET and POST, on every page but login;
- a stranger (signed in, in no collection group): 404 on every file page;
- a reader (may read files, may change nothing): no POST changes anything, and
  reassignment, deletion and the admin say 403;
- every POST needs the CSRF token.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from contacts.models import ContactPoint
from dossiers.models import Dossier, JournalEntry, Note
from pieces.models import Piece
from recouvrement.groups import AGENT_GROUP

from .conftest import client_for
from .htmlforms import finish, local_path, page_forms
from .urlwalk import PUBLIC_ROUTE_NAMES, UnknownArgument, app_routes, dummy_url, project_routes

LOGIN_PATH = "/connexion/"
ADMIN_LOGIN_PATH = "/admin/login/"


def _is_login_redirect(response) -> bool:
    location = response.get("Location", "")
    return response.status_code == 302 and (
        location.startswith(LOGIN_PATH) or location.startswith(ADMIN_LOGIN_PATH)
    )


def _urls_for_anonymous():
    for route in project_routes():
        if route.name in PUBLIC_ROUTE_NAMES:
            continue
        if route.name is None:
            if route.arg_names or not route.route.isascii() or "^" in route.route:
                continue  # unnamed regex catch-alls (the admin's) are covered by named ones
            yield str(route), "/" + route.route
        else:
            yield str(route), dummy_url(route)


@pytest.mark.django_db
def test_every_page_but_login_redirects_anonymous_to_login():
    client = Client()
    checked = 0
    for label, url in _urls_for_anonymous():
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert _is_login_redirect(response), (
                f"{method.upper()} {url} ({label}) answered {response.status_code} "
                f"{response.get('Location', '')} to an anonymous visitor"
            )
            checked += 1
    assert checked > 20  # the admin alone has dozens: the walk did walk


@pytest.mark.django_db
def test_login_is_the_only_public_page():
    assert Client().get(reverse("login")).status_code == 200
    assert Client().get(reverse("dossiers:list")).status_code == 302


def _file_routes():
    return [r for r in app_routes() if r.arg_names]


def test_the_walk_finds_the_file_pages():
    names = {r.name for r in _file_routes()}
    assert {"dossiers:detail", "dossiers:reassign"} <= names


@pytest.mark.django_db
def test_stranger_gets_404_on_every_file_page_and_owner_does_not(
    route_kwargs, stranger, owner, colleague
):
    stranger_client = client_for(stranger)
    owner_client = client_for(owner)
    for route in _file_routes():
        try:
            url = route_kwargs.url(route)
        except UnknownArgument as exc:
            pytest.fail(str(exc))
        statuses = {}
        for method in ("get", "post"):
            status = getattr(stranger_client, method)(url).status_code
            assert status in (404, 405), f"stranger {method.upper()} {url} ({route}): {status}"
            statuses[method] = status
        assert 404 in statuses.values(), f"{route}: the stranger never got 404"
        # The same URL is real for an agent: the 404 above came from the access check.
        method = "get" if statuses["get"] == 404 else "post"
        response = getattr(owner_client, method)(url)
        finish(response)  # downloads stream an open file
        status = response.status_code
        assert status != 404, f"{route}: {url} is 404 for its own agent too, fix the kwargs"


@pytest.mark.django_db
def test_refusals_are_explained_in_french(dossier, stranger, reader, colleague):
    response = client_for(stranger).get(reverse("dossiers:detail", kwargs={"pk": dossier.pk}))
    assert response.status_code == 404
    assert "Cette page n'existe pas, ou vous n'y avez pas accès." in response.content.decode()
    response = client_for(reader).post(
        reverse("dossiers:reassign", kwargs={"pk": dossier.pk}), {"assigned_to": colleague.pk}
    )
    assert response.status_code == 403
    assert "Vos droits ne permettent pas cette action." in response.content.decode()


@pytest.mark.django_db
def test_stranger_gets_404_on_the_lists(stranger):
    client = client_for(stranger)
    for route in app_routes():
        if route.arg_names or route.name in PUBLIC_ROUTE_NAMES or route.name == "logout":
            continue
        assert client.get(reverse(route.name)).status_code == 404, route


def _state() -> tuple:
    """What a write would change: the journal and every object a file holds."""
    return (
        JournalEntry.objects.count(),
        sorted(Dossier.objects.values_list("pk", "assigned_to_id", "status", "next_action")),
        Note.objects.count(),
        Piece.objects.count(),
        sorted(ContactPoint.objects.values_list("pk", "status", "is_default")),
        sorted(
            (c.pk, c.last_name, c.observation)
            for c in ContactPoint.contact.field.related_model.objects.all()
        ),
    )


def _fill(form) -> dict:
    data = form.values()
    for f in form.fields:
        if f.kind == "textarea" or (f.kind in {"text", "search"} and not f.value):
            data[f.name] = "Rappel prévu le 15/12, échéancier proposé."
        elif f.kind == "email":
            data[f.name] = "nouveau@example.fr"
        elif f.kind == "tel":
            data[f.name] = "06 12 34 56 78"
        elif f.kind == "select" and len(f.options) > 1:
            # Another choice than the current one, so that a change would show.
            others = [o for o in f.options if o and o != f.value]
            if others:
                data[f.name] = others[-1]
    return data


def _owner_pages(client, route_kwargs) -> list[tuple[str, str]]:
    pages = []
    for route in app_routes():
        if route.name in PUBLIC_ROUTE_NAMES:
            continue
        try:
            url = route_kwargs.url(route)
        except UnknownArgument:
            continue
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            pages.append((url, response.content.decode()))
        finish(response)  # downloads are streamed from an open file
    detail = reverse("dossiers:detail", kwargs={"pk": route_kwargs.objects.dossier.pk})
    for tab in ("notes", "pieces", "journal"):
        url = f"{detail}?onglet={tab}"
        pages.append((url, client.get(url).content.decode()))
    return pages


def _post_forms(pages):
    seen = set()
    for url, html in pages:
        for form in page_forms(html, url):
            key = (form.action, tuple(sorted(f.name for f in form.fields)))
            if form.method == "post" and key not in seen and "/deconnexion/" not in form.action:
                seen.add(key)
                yield form


@pytest.mark.django_db
def test_a_reader_changes_nothing(route_kwargs, reader, owner, colleague, tmp_path):
    pages = _owner_pages(client_for(owner), route_kwargs)
    client = client_for(reader)
    forms = list(_post_forms(pages))
    assert any("reaffecter" in f.action for f in forms)  # the harvest sees the file's forms
    for form in forms:
        before = _state()
        data = _fill(form)
        response = client.post(local_path(form.action), data)
        assert response.status_code < 500, form
        assert _state() == before, f"a reader changed something through {form}"
    # Raw POSTs too, for actions that no page shows the reader.
    for route in _file_routes():
        before = _state()
        response = client.post(route_kwargs.url(route), {})
        assert response.status_code < 500, route
        assert _state() == before, f"a reader changed something through {route}"


@pytest.mark.django_db
def test_reassignment_and_deletion_say_403_without_the_permission(route_kwargs, reader, colleague):
    client = client_for(reader)
    dossier = route_kwargs.objects.dossier
    response = client.post(
        reverse("dossiers:reassign", kwargs={"pk": dossier.pk}), {"assigned_to": colleague.pk}
    )
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.assigned_to != colleague
    deletions = [
        r
        for r in _file_routes()
        if any(w in (r.name or "") for w in ("delete", "supprimer", "remove"))
    ]
    for route in deletions:
        response = client.post(route_kwargs.url(route))
        assert response.status_code == 403, f"{route}: {response.status_code}"


@pytest.mark.django_db
def test_an_agent_without_a_permission_of_the_group_gets_403(route_kwargs, colleague):
    """Removing one permission from the group is enough to close the door."""
    group = Group.objects.get(name=AGENT_GROUP)
    group.permissions.remove(Permission.objects.get(codename="reassign_dossier"))
    client = client_for(colleague)
    dossier = route_kwargs.objects.dossier
    response = client.post(
        reverse("dossiers:reassign", kwargs={"pk": dossier.pk}), {"assigned_to": colleague.pk}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_admin_is_closed_to_agents_and_limited_for_managers(owner, manager):
    agent_client = client_for(owner)
    response = agent_client.get(reverse("admin:index"))
    assert _is_login_redirect(response)  # the admin's sign-in page: not staff
    response = agent_client.get(reverse("admin:dossiers_dossier_changelist"))
    assert _is_login_redirect(response)

    manager_client = client_for(manager)
    assert manager_client.get(reverse("admin:index")).status_code == 200
    # A manager administers files, not accounts.
    assert manager_client.get(reverse("admin:auth_user_add")).status_code == 403
    assert manager_client.get(reverse("admin:auth_group_changelist")).status_code == 403
    response = manager_client.post(
        reverse("admin:auth_user_add"),
        {"username": "pirate", "password1": "x" * 12, "password2": "x" * 12},
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_every_post_requires_the_csrf_token(owner):
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(owner)
    anonymous = Client(enforce_csrf_checks=True)
    checked = 0
    for route in project_routes():
        if route.name is None:
            continue
        url = dummy_url(route)
        for client in (signed_in, anonymous):
            response = client.post(url, {"x": "1"})
            assert response.status_code == 403 and "jeton CSRF" in response.content.decode(), (
                f"POST {url} ({route}) without a CSRF token: {response.status_code}"
            )
            checked += 1
    assert checked > 40


def test_the_server_error_page_renders_on_its_own(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()
