"""Helpers of the tests that start real processes: an SMTP sink, the child environment
pointing at the test database, and manage.py subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


class Sink:
    """Counts what an SMTP server received. ``hold``: seconds to wait before « 250 »."""

    def __init__(self, hold: float = 0.0):
        self.messages: list[bytes] = []
        self.received = threading.Event()
        self.hold = hold
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.messages.append(envelope.content)
        self.received.set()
        if self.hold:
            import asyncio

            await asyncio.sleep(self.hold)
        return "250 Message accepted for delivery"


def smtp_sink(hold: float = 0.0) -> tuple[Sink, Controller]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink(hold)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return sink, controller


def child_env(*, smtp_port: int, tmp_path: Path, **extra) -> dict:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DATABASE_CONN_MAX_AGE": "0",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "RELANCES_AUTO_SEND": "1",
        "RELANCES_DEMO_ALWAYS_OPEN": "1",
        "RECOUVREMENT_VAR_DIR": str(tmp_path / "var"),
        "SMS_FILE_DIR": str(tmp_path / "sms"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_DEBUG": "1",
        "DJANGO_LOG_LEVEL": "WARNING",
        **extra,
    }
    return env


def manage(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until(predicate, timeout: float = 60.0, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
