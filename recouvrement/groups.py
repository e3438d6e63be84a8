"""The two collection groups and their permissions, kept in one place.

Migrations call ``groups_sync`` (with the historical app registry) whenever a model
that the groups need appears, so a fresh database always has complete groups.
"""

from __future__ import annotations

AGENT_GROUP = "Chargé de recouvrement"
MANAGER_GROUP = "Responsable recouvrement"

AGENT_PERMISSIONS: dict[str, list[str]] = {
    "dossiers": [
        "view_dossier",
        "reassign_dossier",
        "follow_up_dossier",
        "view_receivable",
        "view_note",
        "add_note",
        "view_journalentry",
    ],
    "contacts": [
        "view_contact",
        "add_contact",
        "change_contact",
        "view_contactpoint",
        "add_contactpoint",
        "change_contactpoint",
        "view_evidence",
        "add_evidence",
        "view_messagetemplate",
        "view_communication",
        "add_communication",
    ],
    "pieces": ["view_piece", "add_piece", "delete_piece"],
    "relances": [
        "view_scenario",
        "view_scenariostep",
        "view_scenariorun",
        "manage_scenariorun",
        "view_plannedaction",
    ],
    "paiements": [
        "view_payment",
        "add_payment",
        "view_allocation",
        "view_promise",
        "add_promise",
        "view_instalment",
        "view_dispute",
        "add_dispute",
        "change_dispute",
        "view_disputereason",
        "view_externalaction",
        "add_externalaction",
        "change_externalaction",
    ],
}

MANAGER_EXTRA_PERMISSIONS: dict[str, list[str]] = {
    "dossiers": [
        "add_dossier",
        "change_dossier",
        "add_receivable",
        "change_receivable",
        "delete_receivable",
        "view_forbiddenterm",
        "add_forbiddenterm",
        "change_forbiddenterm",
        "delete_forbiddenterm",
    ],
    "contacts": [
        "delete_contact",
        "delete_contactpoint",
        "add_messagetemplate",
        "change_messagetemplate",
        "delete_messagetemplate",
    ],
    "paiements": [
        "add_disputereason",
        "change_disputereason",
        "view_dashboard",
    ],
    "auth": ["view_user"],
    "relances": [
        "add_scenario",
        "change_scenario",
        "delete_scenario",
        "add_scenariostep",
        "change_scenariostep",
        "delete_scenariostep",
        "view_autosendswitch",
        "change_autosendswitch",
    ],
    "rgpd": [
        "view_consultationtrace",
        "export_personal_data",
        "view_legalhold",
        "add_legalhold",
        "change_legalhold",
    ],
}


def _merge(*maps: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for mapping in maps:
        for app_label, codenames in mapping.items():
            merged.setdefault(app_label, []).extend(codenames)
    return merged


GROUPS = {
    AGENT_GROUP: AGENT_PERMISSIONS,
    MANAGER_GROUP: _merge(AGENT_PERMISSIONS, MANAGER_EXTRA_PERMISSIONS),
}


def groups_sync(apps, schema_editor=None) -> None:
    """Create the groups and grant every permission of theirs that exists yet."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # create_permissions skips apps without a models module, which historical
        # app configs never have. Restore the previous value, not None: called with
        # the live registry (tests do), None would hide every app from serialization
        # and from later create_permissions calls.
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codenames in wanted.items():
            permissions = Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
            group.permissions.add(*permissions)
