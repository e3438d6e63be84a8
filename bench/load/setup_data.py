"""Prepare a load-test database: demo files, 50 agents, the targets of the writes.

Run by run.sh after `migrate` and `demo_data`:  python bench/load/setup_data.py OUT.json
Writes the ids the locust users pick from, the URLs of the write actions (reversed
here, so the load test follows the application's routes) and a snapshot of every
default means before the run, for check_invariants.py.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvrement.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from contacts.models import Contact, ContactPoint  # noqa: E402
from dossiers.models import Dossier  # noqa: E402
from recouvrement.groups import AGENT_GROUP  # noqa: E402

USERS = int(os.environ.get("LOAD_USERS", "50"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "charge-de-test-2026")
HOT = int(os.environ.get("LOAD_HOT_DOSSIERS", "30"))


def url_or_none(name, **kwargs):
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def main(out: Path) -> None:
    User = get_user_model()
    group = Group.objects.get(name=AGENT_GROUP)
    usernames = []
    for i in range(1, USERS + 1):
        user, _ = User.objects.get_or_create(
            username=f"charge{i:02d}", defaults={"first_name": "Charge", "last_name": f"{i:02d}"}
        )
        user.set_password(PASSWORD)
        user.is_active = True
        user.save()
        user.groups.add(group)
        usernames.append(user.username)
    # Spread the files over the load agents so "Mes dossiers" is not empty.
    ids = list(Dossier.objects.order_by("pk").values_list("pk", flat=True))
    users = list(User.objects.filter(username__in=usernames).order_by("username"))
    for n, user in enumerate(users):
        Dossier.objects.filter(pk__in=ids[n :: len(users)]).update(assigned_to=user)

    # Hot files: two or more validated means of one kind, so the star can move.
    hot = list(
        Dossier.objects.annotate(
            phones=Count(
                "contact_points",
                filter=Q(contact_points__kind="phone", contact_points__status="valid"),
            ),
            emails=Count(
                "contact_points",
                filter=Q(contact_points__kind="email", contact_points__status="valid"),
            ),
        )
        .filter(Q(phones__gte=2) | Q(emails__gte=2))
        .order_by("pk")
        .values_list("pk", flat=True)[:HOT]
    )
    points = list(
        ContactPoint.objects.filter(
            dossier_id__in=hot, status="valid", kind__in=["phone", "email"]
        ).values("pk", "dossier_id", "kind", "is_default")
    )
    defaults = {f"{p['dossier_id']}:{p['kind']}": p["pk"] for p in points if p["is_default"]}
    default_urls = {}
    for p in points:
        url = url_or_none("contacts:point_default", pk=p["dossier_id"], point_id=p["pk"])
        if url:
            default_urls.setdefault(str(p["dossier_id"]), []).append(url)
    note_urls = {str(pk): url_or_none("dossiers:note_create", pk=pk) for pk in hot}
    names = list(Dossier.objects.order_by("?").values_list("name", flat=True)[:30])
    last_names = list(Contact.objects.order_by("?").values_list("last_name", flat=True)[:30])
    phones = [
        str(p)[4:8]
        for p in ContactPoint.objects.filter(kind="phone")
        .order_by("?")
        .values_list("phone", flat=True)[:30]
    ]
    data = {
        "started_at": timezone.now().isoformat(),
        "password": PASSWORD,
        "usernames": usernames,
        "dossiers": ids,
        "hot": hot,
        "defaults_before": defaults,
        "default_urls": default_urls,
        "note_urls": {k: v for k, v in note_urls.items() if v},
        "search_terms": [n.split()[0] for n in names]
        + last_names
        + ["06 " + p[:2] for p in phones],
    }
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1))
    print(
        f"{len(usernames)} agents, {len(ids)} dossiers, {len(hot)} dossiers chauds, "
        f"{sum(map(len, default_urls.values()))} étoiles, {len(data['note_urls'])} blocs-notes"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
