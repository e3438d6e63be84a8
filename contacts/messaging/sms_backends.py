"""Pluggable SMS backends, chosen by ``settings.SMS_BACKEND`` (a dotted path).

- ``FileSmsBackend`` (default): writes each SMS as one JSON line under
  ``settings.SMS_FILE_DIR`` (``var/sms/`` by default) and logs it: development and
  demonstrations, nothing leaves the machine.
- ``ConsoleSmsBackend``: logs only.
- ``HttpSmsBackend``: a generic HTTP provider adapter. It POSTs JSON
  ``{"to": "+336…", "text": "…", "sender": "…"}`` to ``settings.SMS_HTTP_URL`` with
  ``Authorization: Bearer <settings.SMS_HTTP_TOKEN>`` and expects a 2xx answer with
  JSON ``{"id": "…", "status": "…"}``. Anything else is a failed send.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .deadline import Deadline

logger = logging.getLogger(__name__)


class SmsSendError(Exception):
    """The SMS could not be handed to the provider (message for the agent)."""


@dataclass(frozen=True)
class SmsResult:
    status: str  # what the provider says: "accepted", "queued", "delivered"…
    provider_id: str = ""


class BaseSmsBackend:
    def send(self, *, to: str, text: str) -> SmsResult:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    def send(self, *, to: str, text: str) -> SmsResult:
        provider_id = uuid.uuid4().hex
        logger.info("SMS to %s (%s): %s", to, provider_id, text)
        return SmsResult(status="accepted", provider_id=provider_id)


class FileSmsBackend(BaseSmsBackend):
    def send(self, *, to: str, text: str) -> SmsResult:
        directory = Path(settings.SMS_FILE_DIR)
        provider_id = uuid.uuid4().hex
        record = {
            "id": provider_id,
            "to": to,
            "sender": settings.SMS_SENDER,
            "text": text,
            "at": timezone.now().isoformat(),
        }
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with (directory / "outbox.jsonl").open("a", encoding="utf-8") as outbox:
                outbox.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise SmsSendError(
                _("Impossible d'écrire le SMS dans %(dir)s.") % {"dir": directory}
            ) from exc
        logger.info("SMS to %s written to %s", to, directory)
        return SmsResult(status="accepted", provider_id=provider_id)


class HttpSmsBackend(BaseSmsBackend):
    def send(self, *, to: str, text: str) -> SmsResult:
        url = settings.SMS_HTTP_URL
        if not url:
            raise SmsSendError(_("Le fournisseur SMS n'est pas configuré (SMS_HTTP_URL)."))
        payload = json.dumps({"to": to, "text": text, "sender": settings.SMS_SENDER}).encode()
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}",
        }
        status, body = _post(url, payload, headers)
        if not 200 <= status < 300:
            logger.warning("SMS provider answered %s for %s", status, to)
            raise SmsSendError(
                _("Le fournisseur SMS a refusé l'envoi (erreur %(code)s).") % {"code": status}
            )
        try:
            answer = json.loads(body or b"{}")
        except ValueError as exc:
            raise SmsSendError(_("Réponse illisible du fournisseur SMS.")) from exc
        if not isinstance(answer, dict):
            raise SmsSendError(_("Réponse illisible du fournisseur SMS."))
        return SmsResult(
            status=str(answer.get("status") or "accepted")[:30],
            provider_id=str(answer.get("id") or "")[:100],
        )


def _post(url: str, payload: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST with ``SMS_HTTP_TIMEOUT`` on each socket operation and ``SEND_DEADLINE``
    on the whole exchange: (status, body), or SmsSendError."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SmsSendError(_("Le fournisseur SMS n'est pas configuré (SMS_HTTP_URL)."))
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname, parts.port, timeout=settings.SMS_HTTP_TIMEOUT)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    with Deadline() as deadline:
        try:
            connection.connect()
            deadline.watch(connection.sock)
            connection.request("POST", path, body=payload, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            if deadline.expired:
                logger.warning("SMS provider too slow: cut after %s s", deadline.label)
                raise SmsSendError(
                    _("Le fournisseur SMS n'a pas répondu dans les %(seconds)s s.")
                    % {"seconds": deadline.label}
                ) from exc
            logger.warning("SMS provider unreachable: %s", exc)
            raise SmsSendError(_("Le fournisseur SMS est injoignable.")) from exc
        finally:
            connection.close()


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
