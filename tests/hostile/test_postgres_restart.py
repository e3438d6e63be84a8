# ruff: noqa: S603, S607 - fixed commands: PostgreSQL's own tools, our manage.py, gunicorn
"""A PostgreSQL restart while agents work, for real: a second cluster started by this
test (initdb + pg_ctl, its own port and directory, never the shared server), the
application under gunicorn as in production. During the outage, requests fail
cleanly (a 503 that says so, fast); nothing is half-written (every note has its
journal entry, every note the agent was told about exists); afterwards the
application works again without being restarted."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

requests = pytest.importorskip("requests")

# Builds its own databases in other processes: the suite's database does not
# matter, so the second (PostgreSQL) run of .ci/test skips it.
pytestmark = pytest.mark.own_databases

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "motdepasse-solide-2026"

SETUP = r"""
from django.contrib.auth.models import Group, User
from dossiers.models import Dossier
from recouvrement.groups import AGENT_GROUP
u = User.objects.create_user("agnes", password="motdepasse-solide-2026")
u.groups.add(Group.objects.get(name=AGENT_GROUP))
d = Dossier.objects.create(reference="PG-1", name="Client redémarrage", assigned_to=u)
print(d.pk)
"""
REPORT = r"""
import json
from dossiers.models import JournalEntry, Note
notes = sorted(Note.objects.values_list("text", flat=True))
journaled = sorted(JournalEntry.objects.filter(action="note").values_list("data__note", flat=True))
print(json.dumps({"notes": notes, "note_ids": sorted(Note.objects.values_list("pk", flat=True)),
                  "journaled": journaled}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class Cluster:
    def __init__(self, root: Path, port: int):
        self.root, self.port = root, port
        self.data = root / "data"
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*self.prefix, *args], capture_output=True, text=True, timeout=120, cwd="/"
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def init(self) -> None:
        self.run(
            _bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )

    def _options(self) -> list[str]:
        # -l on every start: a server started without it would keep our pipes open.
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        return ["-o", options, "-l", str(self.root / "log"), "-w", "-t", "60"]

    def start(self) -> None:
        self.run(_bin("pg_ctl"), "-D", str(self.data), *self._options(), "start")

    def stop(self) -> None:
        self.run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def restart(self) -> None:
        self.run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", *self._options(), "restart")


@pytest.fixture
def cluster():
    if not _bin("initdb") or not _bin("pg_ctl"):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) absent")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("runuser absent: initdb refuses to run as root")
    root = Path(tempfile.mkdtemp(prefix="rec-pg-restart-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    db = Cluster(root, _free_port())
    db.init()
    db.start()
    yield db
    db.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def app(cluster, tmp_path):
    """The application under gunicorn, on the second cluster."""
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "SQLITE_", "AWS_", "PYTEST_", "GUNICORN_"))
    }
    env.update(
        DJANGO_SECRET_KEY="restart-test-" + uuid.uuid4().hex,
        DJANGO_HTTPS="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{cluster.port}/postgres",
        RECOUVREMENT_VAR_DIR=str(tmp_path / "var"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="4",
        GUNICORN_ACCESS_LOG=str(tmp_path / "access.log"),
        GUNICORN_ERROR_LOG=str(tmp_path / "error.log"),
    )

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.strip().splitlines()
        return lines[-1] if lines else ""

    manage("migrate", "--noinput", "-v", "0")
    manage("collectstatic", "--noinput", "-v", "0")
    dossier = int(manage("shell", "-c", SETUP))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "recouvrement/gunicorn.conf.py"],
        cwd=BASE_DIR,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{url}/connexion/", timeout=2)
            break
        except requests.ConnectionError:
            assert server.poll() is None, (tmp_path / "error.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
    yield url, dossier, manage
    server.terminate()
    server.wait(30)


def _signed_in(url: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{url}/connexion/", timeout=10)
    response = session.post(
        f"{url}/connexion/",
        data={"username": "agnes", "password": PASSWORD},
        headers={"X-CSRFToken": session.cookies["csrftoken"]},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def _note(session, url, dossier, text):
    started = time.monotonic()
    response = session.post(
        f"{url}/dossiers/{dossier}/notes/",
        data={"text": text},
        headers={"X-CSRFToken": session.cookies["csrftoken"]},
        timeout=30,
        allow_redirects=False,
    )
    return response, time.monotonic() - started


def test_a_postgresql_restart_while_agents_work(cluster, app):
    import json

    url, dossier, manage = app
    session = _signed_in(url)
    told: list[str] = []  # notes the agent was told were saved

    for n in range(3):
        response, _ = _note(session, url, dossier, f"Appel prévu, note {n} avant l'arrêt")
        assert response.status_code == 302
        told.append(f"Appel prévu, note {n} avant l'arrêt")

    cluster.stop()
    for n in range(3):
        response, seconds = _note(session, url, dossier, f"Note {n} pendant l'arrêt")
        assert response.status_code == 503, response.text[:300]
        assert "La base de données ne répond pas" in response.text
        assert response.headers["Retry-After"]
        assert seconds < 15  # refused at once, not held until a timeout
    cluster.start()

    # Agents keep writing while the server restarts under them.
    statuses: list[tuple[str, int]] = []
    failures: list[BaseException] = []

    def agent(name, own):
        try:
            for n in range(15):
                text = f"Note {n} de l'agent {name} pendant le redémarrage"
                response, _ = _note(own, url, dossier, text)
                statuses.append((text, response.status_code))
                time.sleep(0.05)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)

    workers = [threading.Thread(target=agent, args=(name, _signed_in(url))) for name in "AB"]
    for worker in workers:
        worker.start()
    time.sleep(0.2)
    cluster.restart()
    for worker in workers:
        worker.join(120)
    assert failures == []
    assert len(statuses) == 30
    assert {status for _, status in statuses} <= {302, 503}
    told += [text for text, status in statuses if status == 302]

    # Recovered by itself: the same gunicorn, the same session.
    for n in range(3):
        response, _ = _note(session, url, dossier, f"Appel prévu, note {n} après")
        assert response.status_code == 302
        told.append(f"Appel prévu, note {n} après")

    report = json.loads(manage("shell", "-c", REPORT))
    assert set(told) <= set(report["notes"])
    assert not [t for t in report["notes"] if "pendant l'arrêt" in t]
    assert report["journaled"] == report["note_ids"]  # no note without its journal entry
