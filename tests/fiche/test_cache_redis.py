"""The client file's cache in Redis (``FICHE_CACHE_URL``): shared by every worker, so a
page rendered by one is served by another; never a token in what is stored; the
previous release's pages never served."""

from __future__ import annotations

import os
import zlib

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from fiche import caching
from recouvrement import csrf
from tests.redis_server import redis_or_skip

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/14"
#: This run's keys only: two test runs at once share the machine's Redis.
PREFIX = f"recouvrement-tests-{os.getpid()}"


@pytest.fixture
def redis_cache(settings):
    client = redis_or_skip(REDIS_URL)
    forget(client)
    settings.CACHES = {
        **settings.CACHES,
        "fiche": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": PREFIX,
        },
    }
    yield client
    caches["fiche"].close()
    forget(client)


def forget(client) -> None:
    keys = client.keys(f"{PREFIX}:*")
    if keys:
        client.delete(*keys)


def stored(client) -> list[bytes]:
    return client.keys(f"{PREFIX}:*fiche:*")


def test_a_page_rendered_by_one_worker_is_served_by_another(redis_cache, owner, dossier):
    url = reverse("dossiers:detail", args=[dossier.pk])
    first, second = Client(), Client()
    first.force_login(owner)
    second.force_login(owner)
    first.get(url)
    second.get(url)  # each session's first request refreshes its expiry
    forget(redis_cache)
    assert first.get(url).status_code == 200  # rendered, stored in Redis
    keys = stored(redis_cache)
    assert len(keys) == 2  # the panels and the tabs
    # Another process's cache handle (a new connection) finds it: served.
    caches["fiche"].close()
    with CaptureQueriesContext(connection) as served:
        html = second.get(url).content.decode()
    assert len(served) <= 7
    assert dossier.reference in html
    # What is stored holds no token, only the placeholder (both parts have forms).
    for key in keys:
        value = caches["fiche"].get(key.decode().split(":", 2)[2])
        content = zlib.decompress(value).decode()
        assert csrf.placeholder() in content
        assert first.cookies["csrftoken"].value not in content


def test_another_release_does_not_serve_this_one_s_pages(redis_cache, owner, dossier, monkeypatch):
    url = reverse("dossiers:detail", args=[dossier.pk])
    client = Client()
    client.force_login(owner)
    client.get(url)
    client.get(url)
    monkeypatch.setattr(caching, "code_digest", lambda: "another-release")
    with CaptureQueriesContext(connection) as rendered:
        client.get(url)
    assert len(rendered) > 7
    assert len(stored(redis_cache)) == 4  # two parts of each release


def test_the_code_digest_changes_with_a_template(tmp_path, settings):
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>un</p>")
    settings.BASE_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    caching.code_digest.cache_clear()
    try:
        before = caching.code_digest()
        page.write_text("<p>deux</p>")
        caching.code_digest.cache_clear()
        assert caching.code_digest() != before
    finally:
        caching.code_digest.cache_clear()


@override_settings()
def test_a_fiche_cache_url_that_is_not_redis_is_refused(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    from recouvrement import settings as project_settings

    monkeypatch.setenv("FICHE_CACHE_URL", "http://cache.example")
    with pytest.raises(ImproperlyConfigured, match="FICHE_CACHE_URL"):
        importlib.reload(project_settings)
    monkeypatch.delenv("FICHE_CACHE_URL")
    importlib.reload(project_settings)
