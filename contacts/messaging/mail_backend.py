"""Django's SMTP backend with a deadline on the whole exchange (``SEND_DEADLINE``).

``EMAIL_TIMEOUT`` bounds each socket operation only; this backend also cuts the
connection when the whole send has taken ``SEND_DEADLINE`` seconds, and raises
``SendDeadlineExceeded`` (an ``OSError``, as the other failures of a send are).
"""

from __future__ import annotations

import contextvars
import smtplib

from django.core.mail.backends import smtp
from django.utils.translation import gettext as _

from .deadline import Deadline

_deadline: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "smtp_deadline", default=None
)


class SendDeadlineExceeded(TimeoutError):
    pass


def _watch(sock) -> None:
    deadline = _deadline.get()
    if deadline is not None:
        deadline.watch(sock)


class _WatchedSMTP(smtplib.SMTP):
    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, timeout)
        _watch(sock)
        return sock

    def starttls(self, *args, **kwargs):
        answer = super().starttls(*args, **kwargs)
        _watch(self.sock)  # the TLS socket that replaced the plain one
        return answer


class _WatchedSMTP_SSL(smtplib.SMTP_SSL):  # noqa: N801 - smtplib's naming
    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, timeout)
        _watch(sock)
        return sock


class EmailBackend(smtp.EmailBackend):
    @property
    def connection_class(self):
        return _WatchedSMTP_SSL if self.use_ssl else _WatchedSMTP

    def send_messages(self, email_messages):
        with Deadline() as deadline:
            token = _deadline.set(deadline)
            try:
                sent = super().send_messages(email_messages)
            except Exception as exc:
                if deadline.expired:
                    raise SendDeadlineExceeded(
                        _("Le serveur d'e-mail n'a pas répondu dans les %(seconds)s s.")
                        % {"seconds": deadline.label}
                    ) from exc
                raise
            finally:
                _deadline.reset(token)
        return sent
