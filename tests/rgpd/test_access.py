"""Only managers export personal data or read the consultation trace (URL walk)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rgpd.models import ConsultationTrace
from tests import factories
from tests.security.conftest import client_for
from tests.security.urlwalk import admin_routes, app_routes

pytestmark = pytest.mark.django_db


def _rgpd_routes():
    return [r for r in app_routes() if r.namespace == "rgpd"]


def test_the_walk_finds_the_export():
    assert {r.name for r in _rgpd_routes()} == {"rgpd:contact_export"}


def test_only_managers_export(route_kwargs, manager, owner, stranger):
    for route in _rgpd_routes():
        url = route_kwargs.url(route)
        assert client_for(stranger).post(url).status_code == 404, route
        assert client_for(owner).post(url).status_code == 403, route
        assert client_for(manager).post(url).status_code == 200, route


def _trace_admin_urls(trace):
    urls = []
    for route in admin_routes():
        if not route.name.startswith("admin:rgpd_consultationtrace"):
            continue
        kwargs = {arg: trace.pk for arg in route.arg_names if arg == "object_id"}
        if set(route.arg_names) - {"object_id"}:
            continue
        urls.append(reverse(route.name, kwargs=kwargs))
    return urls


def test_only_managers_read_the_trace(manager, owner, dossier):
    trace = ConsultationTrace.objects.create(
        user=owner, action=ConsultationTrace.Action.DOSSIER_OPENED, dossier=dossier
    )
    urls = _trace_admin_urls(trace)
    assert len(urls) >= 3  # changelist, change (read-only view), history
    staff_without_right = factories.UserFactory(username="staff", is_staff=True)
    for url in urls:
        response = client_for(owner).get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
        assert client_for(staff_without_right).get(url).status_code == 403, url
    changelist = reverse("admin:rgpd_consultationtrace_changelist")
    response = client_for(manager).get(changelist)
    assert response.status_code == 200
    assert "ACC-1001" in response.content.decode()
    # Nobody edits or deletes a trace, managers included.
    assert client_for(manager).get(f"{changelist}add/").status_code == 403
    delete = reverse("admin:rgpd_consultationtrace_delete", args=[trace.pk])
    assert client_for(manager).post(delete, {"post": "yes"}).status_code == 403
    assert ConsultationTrace.objects.filter(pk=trace.pk).exists()


def test_the_trace_is_filtered_by_user_and_by_file(manager, owner, colleague, dossier):
    other = factories.DossierFactory(reference="ZZZ-9")
    Action = ConsultationTrace.Action
    ConsultationTrace.objects.create(user=owner, action=Action.DOSSIER_OPENED, dossier=dossier)
    ConsultationTrace.objects.create(user=colleague, action=Action.DOSSIER_OPENED, dossier=other)
    client = client_for(manager)
    changelist = reverse("admin:rgpd_consultationtrace_changelist")
    by_user = client.get(changelist, {"user__id__exact": colleague.pk}).content.decode()
    assert "ZZZ-9" in by_user and "ACC-1001" not in by_user
    by_file = client.get(changelist, {"dossier__id__exact": dossier.pk}).content.decode()
    assert "ACC-1001" in by_file and "ZZZ-9" not in by_file
    by_search = client.get(changelist, {"q": "ZZZ-9"}).content.decode()
    assert "ZZZ-9" in by_search and "ACC-1001" not in by_search


def test_the_trace_list_reads_a_bounded_number_of_queries(
    manager, owner, dossier, django_assert_max_num_queries
):
    for _ in range(40):
        ConsultationTrace.objects.create(
            user=owner, action=ConsultationTrace.Action.DOSSIER_OPENED, dossier=dossier
        )
    client = client_for(manager)
    with django_assert_max_num_queries(13):
        assert client.get(reverse("admin:rgpd_consultationtrace_changelist")).status_code == 200
