"""Demo data and the admin: what a new user and an administrator see first."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from contacts.models import ContactPoint
from dossiers.models import Dossier, JournalEntry
from recouvrement.groups import AGENT_GROUP, MANAGER_GROUP

pytestmark = pytest.mark.django_db


def test_groups_exist_with_permissions():
    agents = Group.objects.get(name=AGENT_GROUP)
    managers = Group.objects.get(name=MANAGER_GROUP)
    agent_perms = set(agents.permissions.values_list("codename", flat=True))
    assert {"view_dossier", "add_note", "add_piece", "change_contactpoint"} <= agent_perms
    manager_perms = set(managers.permissions.values_list("codename", flat=True))
    assert agent_perms < manager_perms
    assert "change_forbiddenterm" in manager_perms and "change_forbiddenterm" not in agent_perms


def test_demo_data_creates_consistent_files_and_prints_credentials(client):
    out = StringIO()
    call_command("demo_data", dossiers=60, stdout=out)
    output = out.getvalue()
    assert Dossier.objects.count() == 60
    for username in ("agnes", "bruno", "claire"):
        assert username in output
    # Every printed password signs in.
    signed_in = 0
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] in {"agnes", "bruno", "claire"}:
            response = client.post(
                reverse("login"), {"username": parts[0], "password": parts[2]}, follow=True
            )
            assert response.context["user"].username == parts[0]
            client.logout()
            signed_in += 1
    assert signed_in == 3
    # The default rule holds everywhere: each (file, kind) with a validated means has exactly one default.
    from django.db.models import Count, Q

    per_kind = ContactPoint.objects.values("dossier", "kind").annotate(
        valid=Count("pk", filter=Q(status="valid")), defaults=Count("pk", filter=Q(is_default=True))
    )
    assert per_kind
    for row in per_kind:
        assert row["defaults"] == (1 if row["valid"] else 0), row
    assert Dossier.objects.filter(outstanding__gt=0).exists()
    assert JournalEntry.objects.count() >= 60
    # Run again: refuses to duplicate, unless asked to skip; the passwords are new.
    again = StringIO()
    call_command("demo_data", dossiers=10, if_empty=True, stdout=again)
    assert Dossier.objects.count() == 60
    first_passwords = {line.split()[2] for line in output.splitlines() if " / " in line}
    new_passwords = {line.split()[2] for line in again.getvalue().splitlines() if " / " in line}
    assert len(new_passwords) == 3 and not first_passwords & new_passwords


@pytest.fixture
def admin_client(client):
    from tests.factories import manager

    administrator = manager(username="administrateur", is_superuser=True)
    client.force_login(administrator)
    return client


def test_every_model_has_a_working_admin_list_and_add_page(admin_client):
    call_command("demo_data", dossiers=5, stdout=StringIO())
    from django.contrib import admin

    for model in apps.get_models():
        if model._meta.app_label not in {"dossiers", "contacts", "pieces"}:
            continue
        assert admin.site.is_registered(model), model
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = admin_client.get(changelist)
        assert response.status_code == 200, changelist
        obj = model.objects.first()
        if obj is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert admin_client.get(change).status_code == 200, change


def test_admin_search_and_filters_on_files(admin_client):
    call_command("demo_data", dossiers=5, stdout=StringIO())
    url = reverse("admin:dossiers_dossier_changelist")
    response = admin_client.get(url, {"q": "ACC-1001", "status__exact": "en_cours"})
    assert response.status_code == 200
    assert "ACC-1001" in response.content.decode()


def test_journal_is_read_only_in_the_admin(admin_client):
    call_command("demo_data", dossiers=1, stdout=StringIO())
    entry = JournalEntry.objects.first()
    assert admin_client.get(reverse("admin:dossiers_journalentry_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:dossiers_journalentry_change", args=[entry.pk]), {"message": "réécrit"}
    )
    assert response.status_code == 403
    assert (
        admin_client.post(
            reverse("admin:dossiers_journalentry_delete", args=[entry.pk])
        ).status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.message != "réécrit"


def test_admin_bulk_reassignment_is_journaled(admin_client, owner, colleague):
    call_command("demo_data", dossiers=3, stdout=StringIO())
    ids = list(Dossier.objects.values_list("pk", flat=True))
    before_with_colleague = Dossier.objects.filter(assigned_to=colleague).count()
    response = admin_client.post(
        reverse("admin:dossiers_dossier_changelist"),
        {
            "action": "reassign_selected",
            "_selected_action": ids,
            "assigned_to": colleague.pk,
            "apply": "1",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert Dossier.objects.filter(assigned_to=colleague).count() == 3
    # One entry per file that actually changed hands.
    moved = JournalEntry.objects.filter(action="reassigned")
    assert moved.count() == Dossier.objects.count() - before_with_colleague
