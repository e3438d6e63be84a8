"""Property: whatever anyone types into any form of the application, no 500.

The forms are harvested from the pages an agent and a manager see (so every new
form is fuzzed as soon as a page shows it); hypothesis fills every field with
random text, numbers, dates in the wrong format, control characters and files, with
and without htmx, and shrinks any failure to the smallest input that breaks.
"""

from __future__ import annotations

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import client_for
from .htmlforms import Form, finish, local_path, page_forms
from .test_access import _owner_pages

# Per form; raise it for a longer hunt: FUZZ_EXAMPLES=500 pytest tests/security/test_fuzz.py
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))

tricky = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "99999999999999999999999999",
        "1e309",
        "NaN",
        "-0,00",
        "1 234,56",
        "31/02/2026",
        "2026-13-45",
        "00/00/0000",
        "+33 6 12 34 56 78",
        "+999999999999999999",
        "@",
        "a@b",
        "\x00",
        "é" * 5000,
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "{{ request }}",
        "{% debug %}",
        "%(name)s {0} {}",
        "../../etc/passwd",
        "\u202eevil",
        "😀" * 50,
    ]
)
values = st.one_of(
    tricky,
    st.text(max_size=300),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
# A name a client can send: Django itself refuses to build an upload whose base name is
# empty, "." or ".." (such as "/"), so those never reach a view.
file_names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=120
).filter(lambda name: os.path.basename(name) not in {"", ".", ".."})


def _fuzz_form(client: Client, form: Form, existing: dict[str, object]) -> None:
    names = sorted({f.name for f in form.fields if f.kind not in {"file", "submit"}})
    file_fields = sorted({f.name for f in form.fields if f.kind == "file"})

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(data=st.data())
    def run(data):
        payload: dict[str, object] = {}
        for name in names:
            # Sometimes the value the page offered (a real pk, a real choice), sometimes junk.
            if name in existing and data.draw(st.booleans()):
                payload[name] = existing[name]
            elif data.draw(st.booleans()) or name not in existing:
                payload[name] = data.draw(values)
        for name in file_fields:
            if data.draw(st.booleans()):
                content = data.draw(st.binary(max_size=2000))
                payload[name] = SimpleUploadedFile(data.draw(file_names), content)
        headers = {"HX-Request": "true"} if data.draw(st.booleans()) else {}
        url = local_path(form.action)
        if form.method == "post":
            response = client.post(url, payload, headers=headers)
        else:
            response = client.get(url, payload, headers=headers)
        finish(response)  # a download form streams an open file
        assert response.status_code < 500, (form, payload)

    run()


def _forms(pages) -> list[Form]:
    seen, forms = set(), []
    for url, html in pages:
        for form in page_forms(html, url):
            key = (
                form.method,
                form.action.split("?")[0],
                tuple(sorted(f.name for f in form.fields)),
            )
            if key in seen or "/deconnexion/" in form.action:
                continue
            seen.add(key)
            forms.append(form)
    return forms


@pytest.mark.django_db
def test_random_input_in_every_agent_form_never_gives_a_500(route_kwargs, owner, colleague):
    client = client_for(owner)
    forms = _forms(_owner_pages(client, route_kwargs))
    assert any(f.method == "post" for f in forms)
    assert any(f.method == "get" for f in forms)  # the search
    for form in forms:
        _fuzz_form(client, form, form.values())


@pytest.mark.django_db
def test_random_input_in_the_login_form_never_gives_a_500():
    client = Client()
    html = client.get(reverse("login")).content.decode()
    (form,) = page_forms(html, reverse("login"))
    _fuzz_form(client, form, {})


@pytest.mark.django_db
def test_random_query_strings_on_every_page_never_give_a_500(route_kwargs, owner):
    client = client_for(owner)
    urls = [url.split("?")[0] for url, _ in _owner_pages(client, route_kwargs)]
    keys = st.sampled_from(["q", "page", "vue", "tri", "statut", "collaborateur", "onglet", "x"])

    @settings(max_examples=EXAMPLES * 4, deadline=None, database=None)
    @given(url=st.sampled_from(sorted(set(urls))), params=st.dictionaries(keys, values))
    def run(url, params):
        response = client.get(url, params)
        finish(response)
        assert response.status_code < 500, (url, params)

    run()
