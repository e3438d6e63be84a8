"""Personal data in Chromium: a manager exports a person's data from the contact
block (a ZIP download), then reads the consultation trace in the admin."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.rgpd.conftest import THIRD_PARTY_MARKS, person_file  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_manager_exports_a_person_and_reads_the_trace(page, person_file, manager, tmp_path):  # noqa: F811
    sign_in(page, manager.username)
    page.goto(f"/dossiers/{person_file.dossier.pk}/")
    person = page.get_by_role("article", name="Mme Jeanne Martin")
    button = person.get_by_role("button", name="Exporter les données personnelles")
    expect(button).to_be_visible()
    shot(page, "rgpd-contact-block")
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename.startswith("donnees-personnelles-mme-jeanne-martin-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        document = json.loads(archive.read("donnees-personnelles.json"))
    assert "donnees-personnelles.pdf" in names
    assert document["sections"]["identity"][0]["last_name"] == "Martin"
    text = json.dumps(document, ensure_ascii=False)
    assert not any(mark in text for mark in THIRD_PARTY_MARKS)

    assert page.js_errors == []
    # (The admin's pages have no favicon: Chromium's request for one is a 404.)
    page.goto("/admin/rgpd/consultationtrace/")
    expect(page).to_have_title(re.compile("trace de consultation"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)  # the opening of the file, then the export
    expect(rows.first).to_contain_text("Données personnelles exportées")
    expect(rows.nth(1)).to_contain_text("Fiche client consultée")
    shot(page, "rgpd-trace-admin")
    # Filter by file: the reference links to that file's traces.
    rows.first.get_by_role("link", name="RG-0001").click()
    expect(page).to_have_url(re.compile(rf"dossier__id__exact={person_file.dossier.pk}\b"))
    expect(rows).to_have_count(2)
    # Filter by user, from the side panel.
    page.locator("#changelist-filter").get_by_role("link", name=manager.username).click()
    expect(page).to_have_url(re.compile(rf"user__id__exact={manager.pk}\b"))
    expect(rows).to_have_count(2)
