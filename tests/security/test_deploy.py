# ruff: noqa: S603 - fixed commands run against this very project
"""The production configuration, as a fresh process sees it from its environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines

# Builds its own databases in other processes: the suite's database does not
# matter, so the second (PostgreSQL) run of .ci/test skips it.
pytestmark = pytest.mark.own_databases

BASE_DIR = Path(__file__).resolve().parents[2]


def _production_env(**extra) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "AWS_")) and k != "PYTEST_CURRENT_TEST"
    }
    env.update(
        DJANGO_SECRET_KEY="prod-" + os.urandom(32).hex(),
        DJANGO_ALLOWED_HOSTS="recouvrement.example",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
    )
    env.update(extra)
    return env


def _manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _python(code: str) -> subprocess.CompletedProcess:
    """``code`` run by a fresh interpreter with the production settings."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=_production_env(DJANGO_SETTINGS_MODULE="recouvrement.settings"),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_on_the_production_configuration():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_catches_a_production_mistake():
    """The same check fails when HTTPS is switched off: it does look at the settings."""
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", env=_production_env(DJANGO_HTTPS="0")
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout  # SECURE_SSL_REDIRECT


def test_production_refuses_to_start_without_a_real_secret():
    env = _production_env(DJANGO_SECRET_KEY="django-insecure-abc")
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_templates_are_cached_in_production():
    assert not settings.DEBUG
    engine = engines["django"].engine
    loaders = repr(engine.loaders)
    assert "django.template.loaders.cached.Loader" in loaders


def test_static_files_get_hashed_names_in_production():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.STORAGES['staticfiles']['BACKEND'])"
    )
    result = _python(code)
    assert result.stdout.strip() == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_gunicorn_configuration_loads():
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn absent")
    result = subprocess.run(
        [str(gunicorn), "-c", "recouvrement/gunicorn.conf.py", "--check-config"],
        cwd=BASE_DIR,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_process_starts_without_the_pdf_library():
    """fpdf2 and what it loads cost every process about 30 MB (a web worker, the
    reminders' worker, an import and its parsing child): it is loaded by the first PDF
    written, not at start-up (recouvrement/pdf.py)."""
    code = (
        "import sys, django; django.setup();"
        "from django.urls import get_resolver; get_resolver().url_patterns;"
        "import relances.services, rgpd.export.pdf, paiements.receipt;"
        "print('fpdf' in sys.modules)"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
