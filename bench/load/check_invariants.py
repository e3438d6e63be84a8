"""After a load run: the default rule still holds and the journal tells every change.

  python bench/load/check_invariants.py TARGETS.json RESULT.json

Prints its findings and exits non-zero when something is wrong:
- no file has two defaults of one kind; a file with validated means of a kind has
  exactly one default of that kind (the rule of the contact block);
- for every hot file and kind, the DEFAULT_CHANGED journal entries written during
  the run form an unbroken chain from the default before the run to the default
  now (each entry's "former" is the previous entry's "point"): no change is missing;
- the notes written during the run are as many as the accepted note posts, each
  with its journal entry.
"""

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recouvrement.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count, Q  # noqa: E402
from django.utils.dateparse import parse_datetime  # noqa: E402

from contacts.models import ContactPoint  # noqa: E402
from dossiers.models import JournalEntry, Note  # noqa: E402


def main(targets_path: Path, result_path: Path) -> int:
    targets = json.loads(targets_path.read_text())
    result = json.loads(result_path.read_text())
    started = parse_datetime(targets["started_at"])
    problems = []

    per_kind = ContactPoint.objects.values("dossier_id", "kind").annotate(
        defaults=Count("pk", filter=Q(is_default=True)),
        valid=Count("pk", filter=Q(status="valid")),
    )
    checked = 0
    for row in per_kind:
        checked += 1
        if row["defaults"] > 1:
            problems.append(f"dossier {row['dossier_id']} {row['kind']}: {row['defaults']} défauts")
        if row["valid"] and row["defaults"] != 1:
            problems.append(f"dossier {row['dossier_id']} {row['kind']}: validé sans défaut")
    print(f"Règle du défaut : {checked} couples (dossier, type) vérifiés.")

    current = {
        f"{d}:{k}": pk
        for d, k, pk in ContactPoint.objects.filter(
            dossier_id__in=targets["hot"], is_default=True, kind__in=["phone", "email"]
        ).values_list("dossier_id", "kind", "pk")
    }
    chains = defaultdict(list)
    entries = JournalEntry.objects.filter(
        action=JournalEntry.Action.DEFAULT_CHANGED, created_at__gte=started
    ).order_by("created_at", "pk")
    for entry in entries:
        chains[f"{entry.dossier_id}:{entry.data.get('kind')}"].append(entry.data)
    changes = sum(map(len, chains.values()))
    for key in set(chains) | set(current) | set(targets["defaults_before"]):
        point = targets["defaults_before"].get(key)
        for data in chains.get(key, []):
            if data.get("former") != point:
                problems.append(f"{key}: changement absent du journal avant {data}")
            point = data.get("point")
        if point != current.get(key):
            problems.append(f"{key}: défaut actuel {current.get(key)}, journal {point}")
    print(
        f"Journal des défauts : {changes} changements journalisés pour "
        f"{result['defaults']} clics acceptés sur une étoile ; chaînes complètes "
        f"pour {len(chains)} couples."
    )

    notes = Note.objects.filter(created_at__gte=started).count()
    note_entries = JournalEntry.objects.filter(
        action=JournalEntry.Action.NOTE, created_at__gte=started
    ).count()
    print(f"Notes : {result['notes']} acceptées, {notes} en base, {note_entries} au journal.")
    if not (result["notes"] == notes == note_entries):
        problems.append("notes : les comptes diffèrent")
    if result.get("login_failures"):
        problems.append(f"{result['login_failures']} connexions refusées")

    for problem in problems[:50]:
        print("PROBLÈME :", problem)
    print("OK : aucune incohérence." if not problems else f"{len(problems)} problème(s).")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
