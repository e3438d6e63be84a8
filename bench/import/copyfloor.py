"""The floor on PostgreSQL: COPY each file into a staging table, then one
INSERT … SELECT that resolves the file references (no validation at all)."""

from __future__ import annotations

import time
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Contact, ContactPoint
from dossiers.models import Dossier, Receivable


def copy_file(cursor, table: str, columns: list[str], path: Path) -> None:
    cursor.execute(
        f"CREATE TEMP TABLE {table} ({', '.join(f'{c} text' for c in columns)}) ON COMMIT DROP"
    )
    sql = f"COPY {table} FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)"
    with cursor.cursor.copy(sql) as copy, open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            copy.write(chunk)


def insert_select(cursor, model, provided: dict[str, str], source_sql: str) -> int:
    """INSERT every concrete column: the given SQL expressions, the field default
    for the others (Django defaults are not database defaults)."""
    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in provided:
            expressions.append(provided[field.column])
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expressions.append("now()")
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    cursor.execute(
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} {source_sql}",
        params,
    )
    return cursor.rowcount


AMOUNT = "replace(replace(s.{0}, ' ', ''), ',', '.')::numeric"


def run(data_dir: Path) -> dict:
    from generate import CONTACT_HEADER, DOSSIER_HEADER, RECEIVABLE_HEADER

    result = {}
    # Each kind in its own transaction, committed inside its timing, as each import
    # command commits its own: PostgreSQL runs the deferred foreign-key checks of
    # every inserted row at COMMIT, and that is part of writing the rows. The time
    # before the COMMIT is kept too ("before_commit"), for comparison with the
    # previous way of timing the floor.
    before_commit = {}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        copy_file(cursor, "stage_dossiers", DOSSIER_HEADER, data_dir / "dossiers.csv")
        rows = insert_select(
            cursor,
            Dossier,
            {
                "reference": "s.reference",
                "name": "s.nom",
                "kind": "s.type",
                "siren": "coalesce(s.siren, '')",
                "assigned_to_id": "u.id",
                "status": "s.statut",
            },
            "FROM stage_dossiers s LEFT JOIN auth_user u ON u.username = s.charge",
        )
        before_commit["dossiers"] = time.perf_counter() - started
    result["dossiers"] = {"rows": rows, "seconds": time.perf_counter() - started}

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        copy_file(cursor, "stage_creances", RECEIVABLE_HEADER, data_dir / "creances.csv")
        rows = insert_select(
            cursor,
            Receivable,
            {
                "dossier_id": "d.id",
                "number": "s.numero",
                "issue_date": "to_date(s.date_emission, 'DD/MM/YYYY')",
                "due_date": "to_date(s.date_echeance, 'DD/MM/YYYY')",
                "amount": AMOUNT.format("montant"),
                "balance": AMOUNT.format("solde"),
            },
            "FROM stage_creances s JOIN dossiers_dossier d ON d.reference = s.reference_dossier",
        )
        before_commit["creances"] = time.perf_counter() - started
    result["creances"] = {"rows": rows, "seconds": time.perf_counter() - started}

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        copy_file(cursor, "stage_contacts", CONTACT_HEADER, data_dir / "contacts.csv")
        insert_select(
            cursor,
            Contact,
            {
                "dossier_id": "d.id",
                "external_key": "s.contact",
                "civility": "s.civilite",
                "last_name": "s.nom",
                "first_name": "s.prenom",
            },
            "FROM (SELECT DISTINCT ON (reference_dossier, contact) * FROM stage_contacts) s "
            "JOIN dossiers_dossier d ON d.reference = s.reference_dossier",
        )
        kind = (
            "CASE s.canal WHEN 'telephone' THEN 'phone' WHEN 'email' THEN 'email' ELSE 'postal' END"
        )
        rows = insert_select(
            cursor,
            ContactPoint,
            {
                "contact_id": "c.id",
                "dossier_id": "d.id",
                "kind": kind,
                "status": "CASE s.statut WHEN 'valide' THEN 'valid' ELSE 'pending' END",
                "is_default": "coalesce(s.par_defaut = 'oui', false)",
                "phone": "coalesce(s.telephone, '')",
                "email": "coalesce(s.email, '')",
                "address_line1": "coalesce(s.adresse1, '')",
                "postcode": "coalesce(s.code_postal, '')",
                "city": "coalesce(s.ville, '')",
                "value_key": "coalesce(s.telephone, lower(s.email), "
                "upper(s.adresse1) || '|||' || s.code_postal)",
            },
            "FROM stage_contacts s JOIN dossiers_dossier d ON d.reference = s.reference_dossier "
            "JOIN contacts_contact c ON c.dossier_id = d.id AND c.external_key = s.contact",
        )
        before_commit["contacts"] = time.perf_counter() - started
    result["contacts"] = {"rows": rows, "seconds": time.perf_counter() - started}
    for kind, seconds in before_commit.items():
        result[kind]["before_commit"] = seconds
    result["now"] = timezone.now().isoformat()
    return result
