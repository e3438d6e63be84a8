# ruff: noqa: S603, S607 - fixed commands run against this very project
"""Nothing lost: a backup, then damage, then a restore gives back every row and file.

Runs ``manage.py backup_data`` and ``restore_data`` in separate processes, as an
operator would, on a fresh SQLite file and on a fresh PostgreSQL database.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

# Builds its own databases in other processes: the suite's database does not
# matter, so the second (PostgreSQL) run of .ci/test skips it.
pytestmark = pytest.mark.own_databases

BASE_DIR = Path(__file__).resolve().parents[2]

CREATE = r"""
from django.core.files.base import ContentFile
from dossiers.models import Dossier, Note
from pieces.models import Piece
from django.contrib.auth.models import User
u = User.objects.create_user("agnes", password="motdepasse-solide-2026")
for i in range(3):
    d = Dossier.objects.create(reference=f"SAUV-{i}", name=f"Client sauvegardé {i}")
    Note.objects.create(dossier=d, author=u, text=f"note {i}")
    p = Piece(dossier=d, original_name=f"releve-{i}.pdf", content_type="application/pdf",
              size=11, uploaded_by=u)
    p.file.save("x", ContentFile(f"%PDF-1.4 {i}".encode()), save=False)
    p.save()
"""

DAMAGE = r"""
from dossiers.models import Dossier
from pieces.models import Piece
for p in Piece.objects.all():
    p.file.delete(save=False)
Dossier.objects.all().delete()
Dossier.objects.create(reference="APRES", name="Créé après la sauvegarde")
"""

REPORT = r"""
import json
from dossiers.models import Dossier, Note
from pieces.models import Piece
print(json.dumps({
    "dossiers": sorted(Dossier.objects.values_list("reference", flat=True)),
    "notes": sorted(Note.objects.values_list("text", flat=True)),
    "pieces": sorted((p.original_name, p.file.read().decode()) for p in Piece.objects.all()),
}))
"""


def _env(tmp_path: Path, database_url: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "SQLITE_", "AWS_", "PYTEST_"))
    }
    env.update(
        DJANGO_SECRET_KEY="backup-test-" + uuid.uuid4().hex,
        DJANGO_HTTPS="0",
        RECOUVREMENT_VAR_DIR=str(tmp_path / "var"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _manage(env, *args, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def _report(env) -> dict:
    # The last line: `shell` may print a note about its automatic imports first.
    return json.loads(_manage(env, "shell", "-c", REPORT).stdout.strip().splitlines()[-1])


def _round_trip(env, tmp_path: Path) -> None:
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "shell", "-c", CREATE)
    before = _report(env)
    assert len(before["pieces"]) == 3

    archive = tmp_path / "sauvegarde.tar.gz"
    out = _manage(env, "backup_data", "--output", str(archive)).stdout
    assert "Sauvegarde écrite" in out
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # personal data

    _manage(env, "shell", "-c", DAMAGE)
    damaged = _report(env)
    assert damaged["dossiers"] == ["APRES"]
    assert not [p for p in (tmp_path / "media").rglob("*") if p.is_file()]

    refused = _manage(env, "restore_data", str(archive), check=False)  # no --yes, no tty
    assert refused.returncode != 0

    out = _manage(env, "restore_data", str(archive), "--yes").stdout
    assert "Restauration terminée" in out
    after = _report(env)
    assert after == before


def test_backup_and_restore_on_sqlite(tmp_path):
    _round_trip(_env(tmp_path, None), tmp_path)


def _postgres_url() -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        base = os.environ.get("PG_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recouvrement")
    parts = urlsplit(base)
    name = parts.path.lstrip("/") or "recouvrement"
    # One per process: runs on other checkouts share the server (and the name).
    return urlunsplit(parts._replace(path=f"/{name}_backup_test_{os.getpid()}"))


@pytest.fixture
def postgres_database():
    if not shutil.which("psql") or not shutil.which("pg_dump"):
        pytest.skip("client PostgreSQL absent (psql, pg_dump)")
    url = _postgres_url()
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))

    def psql(sql):
        return subprocess.run(
            ["psql", admin, "-v", "ON_ERROR_STOP=1", "-qc", sql],
            capture_output=True,
            text=True,
            timeout=60,
        )

    if psql("select 1").returncode != 0:
        pytest.skip("PostgreSQL injoignable")
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert psql(f'CREATE DATABASE "{name}"').returncode == 0
    yield url
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_and_restore_on_postgresql(tmp_path, postgres_database):
    _round_trip(_env(tmp_path, postgres_database), tmp_path)


def test_restore_refuses_an_archive_from_another_engine(tmp_path):
    env = _env(tmp_path, None)
    _manage(env, "migrate", "--noinput", "-v", "0")
    archive = tmp_path / "a.tar.gz"
    _manage(env, "backup_data", "-o", str(archive))
    # Rewrite the manifest as if the archive came from PostgreSQL.
    import tarfile

    with tarfile.open(archive) as src:
        src.extractall(tmp_path / "x", filter="data")
    manifest = json.loads((tmp_path / "x" / "manifest.json").read_text())
    manifest["engine"] = "postgresql"
    (tmp_path / "x" / "manifest.json").write_text(json.dumps(manifest))
    forged = tmp_path / "b.tar.gz"
    with tarfile.open(forged, "w:gz") as dst:
        for item in (tmp_path / "x").iterdir():
            dst.add(item, arcname=item.name)
    result = _manage(env, "restore_data", str(forged), "--yes", check=False)
    assert result.returncode != 0
    assert "L'archive vient d'une base postgresql" in result.stderr
