"""The same data through django-import-export 4 in its bulk mode (use_bulk=True)."""

from __future__ import annotations

import csv
import itertools
import time
from decimal import Decimal
from pathlib import Path

import tablib
from django.contrib.auth import get_user_model
from import_export import fields, resources, widgets

from contacts.models import Contact, ContactPoint
from contacts.normalize import normalize_email, normalize_phone, postal_value_key
from dossiers.models import Dossier, Receivable


class BulkMeta:
    use_bulk = True
    batch_size = 1000
    skip_diff = True


class DossierResource(resources.ModelResource):
    reference = fields.Field("reference", "reference")
    nom = fields.Field("name", "nom")
    type = fields.Field("kind", "type")
    siren = fields.Field("siren", "siren")
    statut = fields.Field("status", "statut")
    charge = fields.Field(
        "assigned_to", "charge", widget=widgets.ForeignKeyWidget(get_user_model(), "username")
    )

    class Meta(BulkMeta):
        model = Dossier
        import_id_fields = ("reference",)
        fields = ("reference", "nom", "type", "siren", "statut", "charge")


class ReceivableResource(resources.ModelResource):
    reference_dossier = fields.Field(
        "dossier", "reference_dossier", widget=widgets.ForeignKeyWidget(Dossier, "reference")
    )
    numero = fields.Field("number", "numero")
    date_emission = fields.Field(
        "issue_date", "date_emission", widget=widgets.DateWidget("%Y-%m-%d")
    )
    date_echeance = fields.Field("due_date", "date_echeance", widget=widgets.DateWidget("%Y-%m-%d"))
    montant = fields.Field("amount", "montant", widget=widgets.DecimalWidget())
    solde = fields.Field("balance", "solde", widget=widgets.DecimalWidget())

    class Meta(BulkMeta):
        model = Receivable
        import_id_fields = ("reference_dossier", "numero")
        fields = (
            "reference_dossier",
            "numero",
            "date_emission",
            "date_echeance",
            "montant",
            "solde",
        )


class ContactResource(resources.ModelResource):
    reference_dossier = fields.Field(
        "dossier", "reference_dossier", widget=widgets.ForeignKeyWidget(Dossier, "reference")
    )
    contact = fields.Field("external_key", "contact")
    civilite = fields.Field("civility", "civilite")
    nom = fields.Field("last_name", "nom")
    prenom = fields.Field("first_name", "prenom")

    class Meta(BulkMeta):
        model = Contact
        import_id_fields = ("reference_dossier", "contact")
        fields = ("reference_dossier", "contact", "civilite", "nom", "prenom")


class ContactByKeyWidget(widgets.ForeignKeyWidget):
    def clean(self, value, row=None, **kwargs):
        return Contact.objects.get(dossier__reference=row["reference_dossier"], external_key=value)


KINDS = {"telephone": "phone", "email": "email", "courrier": "postal"}
STATUSES = {"": "pending", "valide": "valid", "invalide": "invalid", "a_qualifier": "pending"}


class ContactPointResource(resources.ModelResource):
    reference_dossier = fields.Field(
        "dossier", "reference_dossier", widget=widgets.ForeignKeyWidget(Dossier, "reference")
    )
    contact = fields.Field("contact", "contact", widget=ContactByKeyWidget(Contact))
    canal = fields.Field("kind", "canal")
    telephone = fields.Field("phone", "telephone")
    phone_type = fields.Field("phone_type", "phone_type")
    email = fields.Field("email", "email")
    adresse1 = fields.Field("address_line1", "adresse1")
    code_postal = fields.Field("postcode", "code_postal")
    ville = fields.Field("city", "ville")
    statut = fields.Field("status", "statut")
    par_defaut = fields.Field("is_default", "par_defaut", widget=widgets.BooleanWidget())
    value_key = fields.Field("value_key", "value_key")

    class Meta(BulkMeta):
        model = ContactPoint
        import_id_fields = ("contact", "canal", "value_key")
        fields = (
            "reference_dossier",
            "contact",
            "canal",
            "telephone",
            "phone_type",
            "email",
            "adresse1",
            "code_postal",
            "ville",
            "statut",
            "par_defaut",
            "value_key",
        )

    def before_import_row(self, row, **kwargs):
        # The same normalisation as the commands, so that the data are the same.
        row["canal"] = KINDS[row["canal"]]
        row["statut"] = STATUSES[row["statut"]]
        row["par_defaut"] = "1" if row["par_defaut"] == "oui" else "0"
        row["phone_type"] = ""
        if row["canal"] == "phone":
            row["telephone"], row["phone_type"] = normalize_phone(row["telephone"])
            row["value_key"] = row["telephone"]
        elif row["canal"] == "email":
            row["value_key"] = normalize_email(row["email"])
        else:
            row["value_key"] = postal_value_key(row["adresse1"], "", "", row["code_postal"])


def french_to_iso(value: str) -> str:
    day, month, year = value.split("/")
    return f"{year}-{month}-{day}"


def french_decimal(value: str) -> str:
    return str(Decimal(value.replace(" ", "").replace(",", ".")))


def read(path: Path, limit: int) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(itertools.islice(csv.DictReader(f, delimiter=";"), limit))


def dataset(rows: list[dict]) -> tablib.Dataset:
    data = tablib.Dataset(headers=list(rows[0]))
    for row in rows:
        data.append(list(row.values()))
    return data


def timed(resource: resources.ModelResource, data: tablib.Dataset) -> float:
    started = time.perf_counter()
    result = resource.import_data(data, dry_run=False, raise_errors=True, use_transactions=True)
    assert not result.has_errors()
    return time.perf_counter() - started


def run(data_dir: Path, sample: int) -> dict:
    """``sample`` files, and their receivables and contact rows (3 of each per file)."""
    dossiers = read(data_dir / "dossiers.csv", sample)
    receivables = read(data_dir / "creances.csv", sample * 3)
    for row in receivables:
        row["date_emission"] = french_to_iso(row["date_emission"])
        row["date_echeance"] = french_to_iso(row["date_echeance"])
        row["montant"] = french_decimal(row["montant"])
        row["solde"] = french_decimal(row["solde"])
    points = read(data_dir / "contacts.csv", sample * 3)
    for row in points:
        row["value_key"] = row["phone_type"] = ""  # computed in before_import_row
    people = list({(r["reference_dossier"], r["contact"]): r for r in points}.values())
    people = [
        {k: r[k] for k in ("reference_dossier", "contact", "civilite", "nom", "prenom")}
        for r in people
    ]
    result = {
        "dossiers": {"rows": len(dossiers), "seconds": timed(DossierResource(), dataset(dossiers))},
        "creances": {
            "rows": len(receivables),
            "seconds": timed(ReceivableResource(), dataset(receivables)),
        },
    }
    seconds = timed(ContactResource(), dataset(people))
    seconds += timed(ContactPointResource(), dataset(points))
    result["contacts"] = {"rows": len(points), "seconds": seconds}
    assert ContactPoint.objects.count() == len(points)
    return result
