"""A deadline on a whole exchange with a remote server (SMTP, SMS provider).

Socket timeouts bound each read: a server that sends one byte every few seconds
keeps a send (and the agent's request, and a gunicorn thread) open for minutes.
``Deadline`` shuts down the sockets it watches when the time is up, which wakes
any read or write blocked on them; the caller then sees ``expired`` and tells
the agent plainly.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from django.conf import settings


def send_deadline() -> float:
    """Seconds for a whole send (``settings.SEND_DEADLINE``, 20 by default)."""
    return float(getattr(settings, "SEND_DEADLINE", 20))


class Deadline:
    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = send_deadline() if seconds is None else seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    @property
    def label(self) -> str:
        """The deadline as the agent reads it: « 20 »."""
        return f"{self.seconds:g}"


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
