"""Deterministic French test data: files, receivables, contact means."""

from __future__ import annotations

import csv
import random
import unicodedata
from pathlib import Path

FIRST = ["Agnès", "Basile", "Camille", "Damien", "Élodie", "François", "Gaëlle", "Hugo", "Inès"]
LAST = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau"]
STREETS = ["rue de la Paix", "avenue Jean Jaurès", "boulevard Voltaire", "place de l'Église"]
CITIES = [("75002", "PARIS"), ("69003", "LYON"), ("13001", "MARSEILLE"), ("33000", "BORDEAUX")]
USERS = [f"bench{i}" for i in range(1, 6)]

DOSSIER_HEADER = ["reference", "nom", "type", "siren", "charge", "statut"]
RECEIVABLE_HEADER = [
    "reference_dossier",
    "numero",
    "date_emission",
    "date_echeance",
    "montant",
    "solde",
]
CONTACT_HEADER = [
    "reference_dossier",
    "contact",
    "civilite",
    "nom",
    "prenom",
    "canal",
    "telephone",
    "email",
    "adresse1",
    "code_postal",
    "ville",
    "statut",
    "par_defaut",
]


def ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def french_amount(cents: int) -> str:
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", " ") + f",{rest:02d}"


def reference(i: int) -> str:
    return f"BENCH-{i:07d}"


def write_dossiers(path: Path, count: int) -> int:
    rng = random.Random(1)
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(DOSSIER_HEADER)
        for i in range(count):
            company = i % 3 == 0
            name = f"{rng.choice(LAST)} {'SARL' if company else rng.choice(FIRST)}"
            out.writerow(
                [
                    reference(i),
                    name,
                    "professionnel" if company else "particulier",
                    "732829320" if company else "",
                    USERS[i % len(USERS)],
                    "en_cours",
                ]
            )
    return count


def write_receivables(path: Path, dossiers: int, per_dossier: int = 3) -> int:
    rng = random.Random(2)
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(RECEIVABLE_HEADER)
        for i in range(dossiers):
            for n in range(per_dossier):
                month = rng.randint(1, 10)
                amount = rng.randint(5_000, 900_000)
                out.writerow(
                    [
                        reference(i),
                        f"F{i:07d}-{n}",
                        f"{rng.randint(1, 28):02d}/{month:02d}/2026",
                        f"{rng.randint(1, 28):02d}/{month + 2:02d}/2026",
                        french_amount(amount),
                        french_amount(rng.randint(0, amount)),
                    ]
                )
    return dossiers * per_dossier


def contact_rows(dossiers: int):
    """Three means per file (phone, e-mail, postal) of one person."""
    rng = random.Random(3)
    for i in range(dossiers):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        base = [reference(i), "C1", rng.choice(["M.", "Mme"]), last, first]
        validated = i % 3 == 0
        number = f"06 {i // 1_000_000 % 100:02d} {i // 10_000 % 100:02d} {i // 100 % 100:02d} {i % 100:02d}"
        yield [
            *base,
            "telephone",
            number,
            "",
            "",
            "",
            "",
            "valide" if validated else "",
            "oui" if validated else "",
        ]
        yield [
            *base,
            "email",
            "",
            f"{ascii_fold(first)}.{ascii_fold(last)}{i}@exemple.fr".lower(),
            "",
            "",
            "",
            "",
            "",
        ]
        postcode, city = rng.choice(CITIES)
        street = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
        yield [*base, "courrier", "", "", street, postcode, city, "", ""]


def write_contacts(path: Path, dossiers: int) -> int:
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(CONTACT_HEADER)
        for row in contact_rows(dossiers):
            out.writerow(row)
            rows += 1
    return rows


def files_for(data: Path, dossiers: int) -> tuple[Path, Path]:
    """The files and contacts CSVs of ``dossiers`` files in ``data``, written once (a
    stamp file says for which size); used by wait.py and apply_steps.py."""
    dossiers_csv, contacts_csv = data / "dossiers.csv", data / "contacts.csv"
    stamp = data / f"generated-{dossiers}"
    if not stamp.exists():
        write_dossiers(dossiers_csv, dossiers)
        write_contacts(contacts_csv, dossiers)
        stamp.touch()
    return dossiers_csv, contacts_csv
