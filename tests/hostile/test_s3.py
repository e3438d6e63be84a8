# ruff: noqa: S603 - our own manage.py
"""Uploaded files on S3-compatible storage (the ``s3`` extra, django-storages),
against a real S3 server on loopback: moto in server mode. Upload, thumbnail,
download, delete, orphan clean-up; backup and restore as an operator runs them,
configured from the environment as docs/DEPLOYMENT.md says."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from pieces.models import Piece
from tests.pieces import samples

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")
pytest.importorskip("storages")

BASE_DIR = Path(__file__).resolve().parents[2]
KEY, SECRET, REGION = "testing", "testing", "eu-west-3"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port())
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name=REGION,
    )


@pytest.fixture
def bucket(s3_endpoint, settings):
    name = f"pieces-{uuid.uuid4().hex[:12]}"
    _client(s3_endpoint).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "access_key": KEY,
                "secret_key": SECRET,
                "region_name": REGION,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    return name


def objects(endpoint, bucket) -> set[str]:
    answer = _client(endpoint).list_objects_v2(Bucket=bucket)
    return {item["Key"] for item in answer.get("Contents", [])}


@pytest.mark.django_db
def test_upload_thumbnail_download_delete_on_s3(
    owner_client, dossier, s3_endpoint, bucket, django_capture_on_commit_callbacks
):
    picture = samples.image("PNG", size=(640, 480))
    response = owner_client.post(
        reverse("pieces:upload", args=[dossier.pk]),
        {"document": SimpleUploadedFile("photo.png", picture), "description": "Façade"},
    )
    assert response.status_code == 302
    piece = Piece.objects.get()
    assert objects(s3_endpoint, bucket) == {piece.file.name, piece.thumbnail.name}
    body = _client(s3_endpoint).get_object(Bucket=bucket, Key=piece.file.name)["Body"].read()
    assert body == picture

    download = owner_client.get(reverse("pieces:download", args=[piece.uuid]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == picture
    thumbnail = owner_client.get(reverse("pieces:thumbnail", args=[piece.uuid]))
    assert thumbnail.status_code == 200
    assert max(Image.open(io.BytesIO(thumbnail.content)).size) <= 240

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("pieces:delete", args=[piece.uuid]))
    assert response.status_code == 302
    assert not Piece.objects.exists()
    assert objects(s3_endpoint, bucket) == set()


@pytest.mark.django_db
def test_orphan_clean_up_on_s3(owner_client, dossier, s3_endpoint, bucket):
    owner_client.post(
        reverse("pieces:upload", args=[dossier.pk]),
        {"document": SimpleUploadedFile("releve.pdf", samples.PDF), "description": ""},
    )
    kept = Piece.objects.get().file.name
    orphan = default_storage.save("pieces/2026/01/orphelin", ContentFile(b"%PDF-1.4 perdu"))
    out = io.StringIO()
    call_command("pieces_orphans", "--older-than", "0", stdout=out)
    assert orphan in out.getvalue() and kept not in out.getvalue()
    assert objects(s3_endpoint, bucket) == {kept, orphan}
    call_command("pieces_orphans", "--older-than", "0", "--delete", stdout=io.StringIO())
    assert objects(s3_endpoint, bucket) == {kept}


CREATE = r"""
from django.core.files.base import ContentFile
from django.contrib.auth.models import User
from dossiers.models import Dossier
from pieces.models import Piece
u = User.objects.create_user("agnes", password="motdepasse-solide-2026")
for i in range(2):
    d = Dossier.objects.create(reference=f"S3-{i}", name=f"Client {i}")
    p = Piece(dossier=d, original_name=f"releve-{i}.pdf", content_type="application/pdf",
              size=11, uploaded_by=u)
    p.file.save("x", ContentFile(f"%PDF-1.4 {i}".encode()), save=False)
    p.save()
"""
DAMAGE = r"""
from dossiers.models import Dossier
Dossier.objects.all().delete()  # the rows; the bucket keeps its objects
"""
REPORT = r"""
import json
from pieces.models import Piece
print(json.dumps(sorted((p.original_name, p.file.name, p.file.read().decode())
                        for p in Piece.objects.all())))
"""


@pytest.mark.own_databases  # its own SQLite file, in other processes
def test_backup_and_restore_with_pieces_on_s3(tmp_path, s3_endpoint):
    bucket = f"sauvegarde-{uuid.uuid4().hex[:12]}"
    _client(s3_endpoint).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SECRET_KEY": "s3-test-" + uuid.uuid4().hex,
        "DJANGO_HTTPS": "0",
        "RECOUVREMENT_VAR_DIR": str(tmp_path / "var"),
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET,
    }

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def report():
        return json.loads(manage("shell", "-c", REPORT).strip().splitlines()[-1])

    manage("migrate", "--noinput", "-v", "0")
    manage("shell", "-c", CREATE)
    before = report()
    assert len(before) == 2
    assert {name for _, name, _ in before} <= objects(s3_endpoint, bucket)
    archive = tmp_path / "sauvegarde.tar.gz"
    assert "Sauvegarde écrite" in manage("backup_data", "--output", str(archive))
    manage("shell", "-c", DAMAGE)
    assert report() == []
    assert "Restauration terminée" in manage("restore_data", str(archive), "--yes")
    assert report() == before
