"""The file's paiements panel and the pages behind its buttons: access, forms,
French errors, query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Dossier
from paiements.models import Dispute, DisputeReason, ExternalAction, Payment, Promise
from paiements.services import (
    dispute_open,
    external_action_open,
    payment_record,
    promise_create,
)
from tests import factories

from .helpers import receivable

pytestmark = pytest.mark.django_db
D = Decimal

PAGES = ["payment_create", "promise_create", "dispute_create", "external_create"]
POSTS = ["payment_receipt", "promise_cancel", "dispute_resolve", "external_answer"]


@pytest.fixture
def invoices(dossier):
    today = timezone.localdate()
    return [
        receivable(dossier, "F-A", "100.00", due=today - datetime.timedelta(days=45)),
        receivable(dossier, "F-B", "300.00", due=today - datetime.timedelta(days=15)),
    ]


def url(name, dossier):
    return reverse(f"paiements:{name}", args=[dossier.pk])


def detail(client, dossier):
    return client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()


@pytest.mark.parametrize("name", PAGES + POSTS)
def test_stranger_gets_404(stranger_client, dossier, name):
    assert stranger_client.get(url(name, dossier)).status_code in (404, 405)
    assert stranger_client.post(url(name, dossier)).status_code == 404


def test_file_shows_the_buttons(owner_client, dossier, invoices):
    html = detail(owner_client, dossier)
    for label in ("Enregistrer un paiement", "Promesse de paiement", "Litige", "Action externe"):
        assert f"> {label}</button>" in html, label
    assert "Aucun paiement." in html


def test_record_a_payment_from_the_file(owner_client, owner, dossier, invoices):
    response = owner_client.get(url("payment_create", dossier))
    assert response.status_code == 200
    assert "F-A — 100,00" in response.content.decode()
    response = owner_client.post(
        url("payment_create", dossier),
        {
            "date": timezone.localdate().isoformat(),
            "amount": "1 250,00",
            "mode": "virement",
            "invoice": "F-B",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Paiement de 1\u00a0250,00\u00a0€ enregistré." in html
    assert "Avoir sur le dossier : 850,00" in html
    assert "Soldé" in html
    payment = Payment.objects.get()
    assert payment.recorded_by == owner and payment.unallocated == D("850.00")
    dossier.refresh_from_db()
    assert dossier.outstanding == 0


def test_payment_form_errors_are_french_and_nothing_is_written(owner_client, dossier, invoices):
    response = owner_client.post(
        url("payment_create", dossier),
        {"date": "31/02/2026", "amount": "douze", "mode": "troc"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Saisissez une date valide" in html
    assert "Montant invalide" in html
    assert not Payment.objects.exists()


def test_a_promise_takes_two_clicks(owner_client, dossier, invoices):
    form = owner_client.get(url("promise_create", dossier)).content.decode()
    # Prefilled: the whole outstanding, a week from today.
    assert 'value="400,00"' in form
    in_a_week = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    assert f'value="{in_a_week}"' in form
    response = owner_client.post(
        url("promise_create", dossier),
        {"kind": "une", "amount": "400,00", "date": in_a_week, "count": "3", "period": "mensuel"},
        follow=True,
    )
    html = response.content.decode()
    assert "Promesse de paiement enregistrée." in html
    assert "Promesse en cours" in html and "À venir" in html
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.PAYMENT


def test_an_instalment_plan_from_a_list(owner_client, dossier, invoices):
    today = timezone.localdate()
    lines = "\n".join(
        f"{(today + datetime.timedelta(days=d)):%d/%m/%Y} ; 100,00" for d in (10, 40, 70)
    )
    response = owner_client.post(
        url("promise_create", dossier),
        {"kind": "liste", "lines": lines, "receivables": [invoices[1].pk]},
    )
    assert response.status_code == 302
    promise = Promise.objects.get()
    assert promise.instalments.count() == 3
    assert list(promise.receivables.all()) == [invoices[1]]


def test_a_promise_over_the_outstanding_is_refused(owner_client, dossier, invoices):
    response = owner_client.post(
        url("promise_create", dossier),
        {
            "kind": "echeancier",
            "amount": "900",
            "date": timezone.localdate().isoformat(),
            "count": "3",
            "period": "mensuel",
        },
    )
    assert "dépasse le montant dû" in response.content.decode()
    assert not Promise.objects.exists()


def test_dispute_from_the_file_and_its_badge(owner_client, dossier, invoices):
    reason = DisputeReason.objects.first()
    response = owner_client.post(
        url("dispute_create", dossier),
        {
            "receivables": [invoices[0].pk],
            "reason": reason.pk,
            "follow_up_date": timezone.localdate().isoformat(),
            "comment": "Livraison incomplète",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Litige enregistré." in html
    assert html.count('data-testid="badge-litige"') == 1
    dispute = Dispute.objects.get()
    response = owner_client.post(
        url("dispute_resolve", dossier), {"dispute": dispute.pk, "decision": "accepte"}, follow=True
    )
    assert "Litige résolu." in response.content.decode()
    invoices[0].refresh_from_db()
    assert invoices[0].balance == 0


def test_external_action_from_the_file_and_its_answer(owner_client, dossier, invoices):
    deadline = timezone.localdate() + datetime.timedelta(days=3)
    response = owner_client.post(
        url("external_create", dossier),
        {
            "recipient": "comptabilite",
            "request": "Vérifier le virement",
            "deadline": deadline.isoformat(),
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Actions externes en attente" in html
    assert f"réponse attendue le {deadline:%d/%m/%Y}" in html
    action = ExternalAction.objects.get()
    owner_client.post(
        url("external_answer", dossier), {"action": action.pk, "answer": "Reçu le 28/11"}
    )
    action.refresh_from_db()
    assert action.answer == "Reçu le 28/11"
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.IN_PROGRESS


def test_receipt_from_the_file(owner_client, owner, dossier, invoices):
    payment = payment_record(
        dossier=dossier, date=timezone.localdate(), amount=D("50"), mode="cheque", user=owner
    )
    response = owner_client.post(
        url("payment_receipt", dossier), {"payment": payment.pk}, follow=True
    )
    assert "Quittance enregistrée dans les pièces" in response.content.decode()
    assert dossier.pieces.get().origin == "receipt"
    # An id of another file's payment is not found on this one.
    other = factories.DossierFactory()
    response = owner_client.post(
        url("payment_receipt", other), {"payment": payment.pk}, follow=True
    )
    assert "existe plus sur le dossier" in response.content.decode()
    assert other.pieces.count() == 0


def test_an_agent_without_the_permission_gets_403(client, dossier, invoices):
    reader = factories.UserFactory(username="lectrice")
    from django.contrib.auth.models import Permission

    reader.user_permissions.add(Permission.objects.get(codename="view_dossier"))
    client.force_login(reader)
    for name in PAGES:
        assert client.get(url(name, dossier)).status_code == 403
    html = detail(client, dossier)
    assert "Enregistrer un paiement" not in html


def _populate(dossier, owner, n: int):
    today = timezone.localdate()
    invoices = [
        receivable(dossier, f"G{n}-{i}", "100.00", due=today - datetime.timedelta(days=90 - i))
        for i in range(n)
    ]
    for _i in range(n):
        payment_record(dossier=dossier, date=today, amount=D("10"), mode="virement", user=owner)
    reason = DisputeReason.objects.first()
    for i in range(n // 2):
        dispute_open(
            dossier=dossier, receivables=[invoices[-1 - i]], reason=reason, follow_up_date=today
        )
        external_action_open(
            dossier=dossier, recipient="commercial", request=f"Q{i}", deadline=today
        )
    promise_create(
        dossier=dossier,
        plan=[(today + datetime.timedelta(days=d), D("1")) for d in range(1, n + 1)],
        today=today,
        receivables=invoices[:2],
        user=owner,
    )


def test_panel_queries_do_not_grow_with_the_file(owner_client, owner, dossier):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _populate(dossier, owner, 2)
    detail(owner_client, dossier)
    caches["fiche"].clear()  # the panel read and rendered, not served from the cache
    with CaptureQueriesContext(connection) as small:
        html = detail(owner_client, dossier)
    assert "Promesse" in html
    big = factories.DossierFactory(assigned_to=owner)
    _populate(big, owner, 12)
    caches["fiche"].clear()
    with CaptureQueriesContext(connection) as large:
        html = detail(owner_client, big)
    assert html.count('data-testid="paiement"') == 12
    assert html.count('data-testid="badge-litige"') == 6
    assert len(large) == len(small)


def test_cancel_the_running_promise(owner_client, owner, dossier, invoices):
    promise = promise_create(
        dossier=dossier,
        plan=[(timezone.localdate(), D("10"))],
        today=timezone.localdate(),
        user=owner,
    )
    response = owner_client.post(url("promise_cancel", dossier), {"promise": promise.pk})
    assert response.status_code == 302
    promise.refresh_from_db()
    assert promise.status == Promise.Status.CANCELLED
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.IN_PROGRESS
    # A second click on the old page explains instead of failing.
    response = owner_client.post(
        url("promise_cancel", dossier), {"promise": promise.pk}, follow=True
    )
    assert "existe plus sur le dossier" in response.content.decode()


def test_the_panel_s_rows_are_on_their_own_parents_in_the_orm_s_order(owner, dossier):
    """The panel reads what were its prefetches by the file (paiements.selectors): each
    payment, promise, dispute and external action gets its own rows, in the order the
    ORM's relations give, and nothing of another file or of the payments not shown."""
    from paiements.selectors import dossier_panel

    today = timezone.localdate()
    invoices = [
        receivable(dossier, f"P-{i}", "30.00", due=today - datetime.timedelta(days=40 - i % 3))
        for i in range(6)
    ]
    other = factories.DossierFactory(assigned_to=owner)
    receivable(other, "O-1", "50.00", due=today)
    payment_record(dossier=other, date=today, amount=D("20"), mode="virement", user=owner)
    dispute_open(
        dossier=other,
        receivables=list(other.receivables.all()),
        reason=DisputeReason.objects.first(),
        follow_up_date=today,
    )
    for i in range(51):  # the oldest one is not shown, nor are its allocations
        payment_record(
            dossier=dossier,
            date=today - datetime.timedelta(days=60 - i),
            amount=D("45") if i == 0 else D("1"),
            mode="virement",
            user=owner,
        )
    reason = DisputeReason.objects.first()
    dispute_open(dossier=dossier, receivables=invoices[3:0:-1], reason=reason, follow_up_date=today)
    dispute_open(dossier=dossier, receivables=invoices[4:6], reason=reason, follow_up_date=today)
    for picked in (invoices[5:1:-2], []):
        external_action_open(
            dossier=dossier,
            recipient="commercial",
            request="Q",
            deadline=today,
            receivables=picked,
        )
    promise_create(
        dossier=dossier,
        plan=[(today + datetime.timedelta(days=d), D("1")) for d in (9, 3, 6)],
        today=today,
        receivables=invoices[::-2],
        user=owner,
    )

    panel = dossier_panel(dossier=Dossier.objects.get(pk=dossier.pk), user=owner)

    def pks(rows):
        return [row.pk for row in rows]

    assert len(panel["payments"]) == 50
    assert Payment.objects.filter(dossier=dossier).count() == 51
    for payment in panel["payments"]:
        assert pks(payment.allocation_list) == pks(payment.allocations.order_by("id"))
        assert all(a.receivable.dossier_id == dossier.pk for a in payment.allocation_list)
    assert sum(len(p.allocation_list) for p in panel["payments"]) > 0
    promise = panel["promise"]
    assert pks(promise.instalment_list) == pks(promise.instalments.all())
    assert pks(promise.receivable_list) == pks(promise.receivables.all())
    assert len(promise.receivable_list) == 3
    assert len(panel["disputes"]) == 2
    for dispute in panel["disputes"]:
        assert pks(dispute.receivable_list) == pks(dispute.receivables.all())
        assert dispute.receivable_list
    assert panel["disputed_ids"] == {r.pk for r in invoices[1:6]}
    assert len(panel["external_actions"]) == 2
    for action in panel["external_actions"]:
        assert pks(action.receivable_list) == pks(action.receivables.all())
    assert sorted(len(a.receivable_list) for a in panel["external_actions"]) == [0, 2]
