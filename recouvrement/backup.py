"""Backup and restore of the database and the uploaded files, as one archive.

An archive (``.tar.gz``) holds:

- ``manifest.json``: format, date, database engine, row counts per model, counted
  in the copy itself (PostgreSQL: in the snapshot that ``pg_dump`` dumps), checked
  after a restore, and the list of uploaded files with their size;
- ``database.sqlite3`` (an online copy through SQLite's backup API, consistent even
  while the application writes) or ``database.pgdump`` (``pg_dump --format=custom``);
- ``media/``: every uploaded file (pieces, thumbnails) when they are on the local
  disk. Files on S3-compatible storage are backed up by the bucket's own versioning
  and replication (docs/BACKUP.md).

The database is copied before the files: pieces are written once and never
modified, so a file added meanwhile is at worst an extra file in the archive.
The commands ``backup_data`` and ``restore_data`` (dossiers app) call this module.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump/pg_restore with fixed arguments
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_NAME = "database.sqlite3"
PGDUMP_NAME = "database.pgdump"
MEDIA_DIR = "media"
COUNTED_APPS = ("auth", "dossiers", "contacts", "pieces")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (French)."""


@dataclass
class Summary:
    path: Path
    engine: str
    counts: dict[str, int]
    files: int


def _engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"Base de données non prise en charge : {vendor}.")
    return vendor


def _counted_tables() -> dict[str, str]:
    """Model label → table, for the models whose rows are counted."""
    tables = {}
    for label in COUNTED_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            tables[model._meta.label] = model._meta.db_table
    return dict(sorted(tables.items()))


def row_counts(cursor=None) -> dict[str, int]:
    """Rows per model, through ``cursor`` (a DB-API cursor: the dump's snapshot, a
    copy of the database) or the default connection."""
    if cursor is None:
        with connections["default"].cursor() as own:
            return row_counts(own)
    quote = connections["default"].ops.quote_name
    counts = {}
    for label, table in _counted_tables().items():
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - model tables
        counts[label] = cursor.fetchone()[0]
    return counts


def _pg_dump_counted(db_file: Path) -> dict[str, int]:
    """``pg_dump`` of the snapshot of a transaction that counts the rows: the counts
    are those of the dump, whatever agents write meanwhile (counted before the dump,
    notes written during it made every restore check fail)."""
    reader = connections.create_connection("default")
    try:
        reader.ensure_connection()
        with reader.connection.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = row_counts(cursor)
            args, env = _pg_args()
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-acl",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(db_file),
                ]
                + args,
                env,
            )
            cursor.execute("COMMIT")
    finally:
        reader.close()
    return counts


def _sqlite_copy_counted(db_file: Path) -> dict[str, int]:
    """An online copy through SQLite's backup API, and the rows of that copy."""
    connection = connections["default"]
    connection.ensure_connection()
    target = sqlite3.connect(db_file)
    try:
        connection.connection.backup(target)
        cursor = target.cursor()
        try:
            return row_counts(cursor)
        finally:
            cursor.close()
    finally:
        target.close()


def _media_root() -> Path | None:
    if isinstance(default_storage, FileSystemStorage):
        return Path(default_storage.location)
    return None


def _pg_args(alias: str = "default") -> tuple[list[str], dict[str, str]]:
    db = connections[alias].settings_dict
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return [*args, "--dbname", str(db["NAME"])], env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"Commande introuvable : {command[0]} (paquet postgresql-client).")
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} a échoué : {result.stderr.strip()}")


def backup_create(*, output: Path) -> Summary:
    """Write an archive of the database and the uploaded files to ``output``."""
    engine = _engine()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="recouvrement-backup-") as tmp:
        tmpdir = Path(tmp)
        if engine == "sqlite":
            db_file = tmpdir / SQLITE_NAME
            counts = _sqlite_copy_counted(db_file)
        else:
            db_file = tmpdir / PGDUMP_NAME
            counts = _pg_dump_counted(db_file)
        media_root = _media_root()
        files = []
        if media_root is not None and media_root.exists():
            files = sorted(
                str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file()
            )
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "engine": engine,
            "database": db_file.name,
            "counts": counts,
            "media": "local" if media_root is not None else "external",
            "files": files,
        }
        (tmpdir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(tmpdir / MANIFEST, arcname=MANIFEST)
            archive.add(db_file, arcname=db_file.name)
            for name in files:
                archive.add(media_root / name, arcname=f"{MEDIA_DIR}/{name}")
        # Only a complete archive gets the final name.
        partial.replace(output)
        output.chmod(0o600)
    return Summary(path=output, engine=engine, counts=counts, files=len(files))


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError:
        raise BackupError("Archive invalide : manifest.json absent.") from None
    manifest = json.load(archive.extractfile(member))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Format d'archive inconnu : {manifest.get('format')}.")
    return manifest


def backup_inspect(*, path: Path) -> dict:
    with tarfile.open(path, "r:*") as archive:
        return _read_manifest(archive)


def backup_restore(*, path: Path, media: bool = True) -> Summary:
    """Replace the database (and add back the uploaded files) from an archive.

    The database is replaced as a whole, in one transaction for PostgreSQL; files
    present in the archive are written back to the media directory, other files
    there are left alone.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"Archive introuvable : {path}.")
    engine = _engine()
    with tarfile.open(path, "r:*") as archive, tempfile.TemporaryDirectory() as tmp:
        manifest = _read_manifest(archive)
        if manifest["engine"] != engine:
            raise BackupError(
                f"L'archive vient d'une base {manifest['engine']}, la base actuelle est "
                f"{engine} : utilisez dumpdata/loaddata pour changer de moteur."
            )
        # filter="data" refuses absolute paths, "..", links outside and device files.
        archive.extractall(tmp, filter="data")
        tmpdir = Path(tmp)
        db_file = tmpdir / manifest["database"]
        if not db_file.is_file():
            raise BackupError("Archive invalide : la copie de la base est absente.")
        if engine == "sqlite":
            _restore_sqlite(db_file)
        else:
            _restore_postgresql(db_file)
        restored_files = 0
        media_root = _media_root()
        if media and (tmpdir / MEDIA_DIR).is_dir():
            if media_root is None:
                raise BackupError(
                    "Les fichiers sont sur un stockage objet : restaurez-les depuis le bucket."
                )
            for source in (tmpdir / MEDIA_DIR).rglob("*"):
                if source.is_file():
                    target = media_root / source.relative_to(tmpdir / MEDIA_DIR)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, target)
                    restored_files += 1
    counts = row_counts()
    if counts != manifest["counts"]:
        differences = {
            k: (manifest["counts"].get(k), counts.get(k))
            for k in set(counts) | set(manifest["counts"])
            if counts.get(k) != manifest["counts"].get(k)
        }
        raise BackupError(f"Restauration incomplète, comptes différents : {differences}.")
    return Summary(path=path, engine=engine, counts=counts, files=restored_files)


def _restore_sqlite(db_file: Path) -> None:
    connection = connections["default"]
    connection.close()
    connection.ensure_connection()
    source = sqlite3.connect(db_file)
    try:
        # The backup API copies page by page under the database lock: other
        # connections see the old database or the restored one, never a mix.
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()


def _restore_postgresql(dump: Path) -> None:
    connections["default"].close()
    args, env = _pg_args()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(dump),
        ],
        env,
    )
