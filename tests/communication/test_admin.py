"""Message templates in the admin: placeholders documented, unknown ones refused."""

from __future__ import annotations

from django.urls import reverse

from contacts.models import MessageTemplate


def test_admin_refuses_unknown_placeholder(client, manager):
    client.force_login(manager)
    before = MessageTemplate.objects.count()
    response = client.post(
        reverse("admin:contacts_messagetemplate_add"),
        {
            "name": "Fuite",
            "channel": "email",
            "subject": "Bonjour",
            "body": "{{ dossier.assigned_to.password }}",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "Variable inconnue ou syntaxe interdite" in response.content.decode()
    assert MessageTemplate.objects.count() == before


def test_admin_saves_valid_template_and_documents_placeholders(client, manager):
    client.force_login(manager)
    page = client.get(reverse("admin:contacts_messagetemplate_add")).content.decode()
    assert "{{ plus_ancienne_echeance }}" in page
    response = client.post(
        reverse("admin:contacts_messagetemplate_add"),
        {
            "name": "Court",
            "channel": "sms",
            "subject": "",
            "body": "Dossier {{ reference }}",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert MessageTemplate.objects.filter(name="Court").exists()


def test_communications_log_read_only(client, manager):
    client.force_login(manager)
    assert client.get(reverse("admin:contacts_communication_changelist")).status_code == 200
    assert client.get(reverse("admin:contacts_communication_add")).status_code == 403


def test_agents_may_read_templates_and_send(owner):
    assert owner.has_perm("contacts.view_messagetemplate")
    assert owner.has_perm("contacts.add_communication")
    assert not owner.has_perm("contacts.change_messagetemplate")
