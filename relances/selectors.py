"""Reads for the reminder pages: the client file's scenario panel and the worklist
« À faire »."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.messaging.placeholders import (
    PlaceholderError,
    legal_values_lazy,
    placeholder_values,
    placeholders_render,
)
from dossiers.models import Dossier, Receivable
from paiements.selectors import BEFORE, instalments_remindable
from paiements.selectors import worklist_counts as payments_worklist_counts
from paiements.selectors import worklist_items as payments_worklist_items
from recouvrement.prepared import prepared

from .means import default_means_many, means_for
from .models import PlannedAction, ScenarioRun, ScenarioStep
from .planning import scenario_amounts
from .sending import action_values

State = PlannedAction.State
# Re-exported: the one place that says what amount a step speaks of.
__all__ = ["scenario_amounts", "dossier_panel", "worklist", "WorklistItem", "WORKLIST_PROVIDERS"]


# --- The client file's panel ---------------------------------------------------------


@dataclass(frozen=True)
class PanelNextStep:
    label: str
    due_at: datetime.datetime
    state_label: str


@dataclass(frozen=True)
class PanelInstalmentReminder:
    """The next reminder around an instalment: planned (``due_at``) or foreseen (the
    day the scenario's « rappel avant échéance » will go, ``day``)."""

    label: str
    instalment_date: datetime.date
    instalment_amount: Decimal
    due_at: datetime.datetime | None = None
    day: datetime.date | None = None
    state_label: str = ""


def _panel_run_queryset(dossier_id: int, today: datetime.date):
    next_instalment = (
        instalments_remindable(BEFORE, today=today)
        .filter(promise__dossier_id=OuterRef("dossier_id"))
        .order_by("due_date", "id")
    )
    before_step = ScenarioStep.objects.filter(
        scenario_id=OuterRef("scenario_id"), kind=ScenarioStep.Kind.BEFORE_INSTALMENT
    ).order_by("-delay_days", "order")
    return (
        ScenarioRun.objects.select_related("scenario", "last_step")
        .filter(dossier_id=dossier_id)
        .annotate(
            instalment_date=Subquery(next_instalment.values("due_date")[:1]),
            instalment_amount=Subquery(next_instalment.values("amount")[:1]),
            before_label=Subquery(before_step.values("label")[:1]),
            before_days=Subquery(before_step.values("delay_days")[:1]),
        )
        .order_by("-started_on", "-id")[:1]
    )


# Compiled once per process (recouvrement.prepared): their SQL cost more to build
# than to run.
_panel_run = prepared(_panel_run_queryset)
_panel_open_actions = prepared(
    lambda run_id: PlannedAction.objects.filter(
        run_id=run_id, state__in=PlannedAction.OPEN_STATES
    ).values_list(
        "pk",
        "instalment_id",
        "step__label",
        "due_at",
        "state",
        "instalment__due_date",
        "instalment__amount",
    )
)


def scenario_panel(request, dossier: Dossier) -> dict:
    """The client file's reminder panel (a panel of ``fiche.views.PANELS``)."""
    return dossier_panel(dossier)


def dossier_panel(dossier: Dossier) -> dict:
    """Context of templates/relances/_dossier_panel.html: the scenario, the last step
    done, the next one with its date, the next reminder around an instalment. Two
    queries: the run (with the next instalment and the scenario's « rappel avant
    échéance » as subqueries), then, for a running scenario, its open actions (a
    handful: the next step and the instalment reminders already planned). Twelve
    subqueries in one statement cost more to compile than the second statement does
    (issue 15)."""
    today = timezone.localdate()
    found = _panel_run(dossier_id=dossier.pk, today=today)
    run = found[0] if found else None
    if run is not None:
        _open_actions(run)
    active = run is not None and run.state == ScenarioRun.State.ACTIVE
    next_step = None
    if active and run.next_label:
        next_step = PanelNextStep(
            label=run.next_label,
            due_at=run.next_due_at,
            state_label=str(State(run.next_state).label),
        )
    return {
        "relance_run": run,
        "relance_active": active,
        "relance_paused": run is not None and run.is_paused(today),
        # The pause date has come: the run went on by itself (no « Reprendre »).
        "relance_resumed_on": run.paused_until
        if run is not None and run.paused_until and not run.is_paused(today)
        else None,
        "relance_held": dossier.status != Dossier.Status.IN_PROGRESS,
        "relance_next": next_step,
        "relance_instalment": _panel_reminder(run, today) if active else None,
    }


def _open_actions(run: ScenarioRun) -> None:
    """Sets on ``run`` the next step's action (the oldest open one without an
    instalment) and the next instalment reminder (the earliest open one with an
    instalment): ``next_label``/``next_due_at``/``next_state`` and ``reminder_*``,
    ``None`` when there is none."""
    run.next_label = run.next_due_at = run.next_state = None
    run.reminder_label = run.reminder_due_at = run.reminder_state = None
    run.reminder_date = run.reminder_amount = None
    if run.state != ScenarioRun.State.ACTIVE:
        return
    rows = _panel_open_actions(run_id=run.pk)
    steps = [r for r in rows if r[1] is None]
    reminders = [r for r in rows if r[1] is not None]
    if steps:
        _pk, _i, run.next_label, run.next_due_at, run.next_state, _d, _a = min(steps)
    if reminders:
        first = min(reminders, key=lambda r: (r[3], r[0]))
        (
            _pk,
            _i,
            run.reminder_label,
            run.reminder_due_at,
            run.reminder_state,
            run.reminder_date,
            run.reminder_amount,
        ) = first


def _panel_reminder(run: ScenarioRun, today: datetime.date) -> PanelInstalmentReminder | None:
    if run.reminder_label:
        return PanelInstalmentReminder(
            label=run.reminder_label,
            instalment_date=run.reminder_date,
            instalment_amount=run.reminder_amount,
            due_at=run.reminder_due_at,
            state_label=str(State(run.reminder_state).label),
        )
    if run.instalment_date is None or run.before_label is None:
        return None
    day = run.instalment_date - datetime.timedelta(days=run.before_days)
    if day < today:
        # Its window has passed without a reminder (already sent, or none in time).
        return None
    return PanelInstalmentReminder(
        label=run.before_label,
        instalment_date=run.instalment_date,
        instalment_amount=run.instalment_amount,
        day=day,
    )


# --- The worklist « À faire » --------------------------------------------------------


@dataclass(frozen=True)
class WorklistAction:
    label: str
    url: str
    method: str = "post"  # "get": a link
    style: str = "outline-primary"


@dataclass(frozen=True)
class WorklistItem:
    kind: str  # call, task, confirm, contact_search, failed, next_action, …
    label: str
    dossier: Dossier
    due_date: datetime.date
    amount: Decimal
    url: str
    actions: tuple[WorklistAction, ...] = ()
    detail: str = ""
    preview: str = ""
    kind_label: str = ""
    extra: dict = field(default_factory=dict)


KIND_LABELS = {
    "call": _("Appel"),
    "task": _("Tâche"),
    "confirm": _("Envoi à confirmer"),
    "contact_search": _("Rechercher les coordonnées"),
    "failed": _("Échec d'envoi"),
    "next_action": _("Prochaine action"),
    "instalment_due": _("Échéance"),
    "promise_broken": _("Promesse non tenue"),
    "dispute_follow_up": _("Litige à suivre"),
    "external_deadline": _("Action externe"),
}


def _end_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def _action_kind(action: PlannedAction) -> str:
    if action.state == State.FAILED:
        return "failed"
    if action.contact_search:
        return "contact_search"
    if action.step.is_send:
        return "confirm"
    return "call" if action.step.action == "call" else "task"


def overdue_counts(dossier_ids, today: datetime.date) -> dict[int, int]:
    rows = (
        Receivable.objects.filter(
            dossier_id__in=list(dossier_ids), balance__gt=0, due_date__lt=today
        )
        .values("dossier_id")
        .annotate(n=Count("pk"))
    )
    return {row["dossier_id"]: row["n"] for row in rows}


def _preview(action: PlannedAction, defaults, overdue: int, legal) -> tuple[str, str]:
    """The first lines of what would go out, and to which means (or why none)."""
    choice = means_for(dossier_id=action.dossier_id, channel=action.step.action, defaults=defaults)
    if choice.point is None:
        return "", choice.reason
    template = action.step.template
    values = placeholder_values(
        dossier=action.dossier,
        contact=choice.point.contact,
        overdue_count=overdue,
        extra=action_values(action),
        legal=legal,
    )
    try:
        subject = placeholders_render(template.subject, values)
        body = placeholders_render(template.body, values)
    except PlaceholderError as exc:
        return "", " ".join(exc.messages)
    lines = [line.strip() for line in body.strip().splitlines() if line.strip()]
    # Past the salutation (« Madame, Monsieur, »): the first line that says something.
    first = next((line for line in lines if len(line) > 30), lines[0] if lines else "")
    preview = f"{subject} — {first}" if subject else first
    return preview[:300], _("vers %(means)s") % {"means": choice.point.display_value}


def _action_buttons(action: PlannedAction, kind: str) -> tuple[WorklistAction, ...]:
    pk = action.pk
    ignore = WorklistAction(
        _("Ignorer"), reverse("relances:action_ignore", args=[pk]), "post", "outline-secondary"
    )
    send = WorklistAction(
        _("Envoyer"), reverse("relances:action_send", args=[pk]), "post", "primary"
    )
    done = WorklistAction(_("Fait"), reverse("relances:action_done", args=[pk]), "post", "primary")
    if kind == "confirm":
        return (send, ignore)
    if kind == "failed":
        return (
            WorklistAction(
                _("Réessayer"), reverse("relances:action_send", args=[pk]), "post", "primary"
            ),
            ignore,
        )
    if kind == "contact_search":
        search = WorklistAction(
            _("Rechercher les coordonnées"),
            reverse("dossiers:detail", args=[action.dossier_id]) + "#contacts",
            "get",
            "outline-primary",
        )
        return (search, send, ignore)
    return (done, ignore)


def _action_label(action: PlannedAction) -> str:
    label = f"{action.step.label} ({action.step.scenario.name})"
    if action.instalment_id is None:
        return label
    return _("%(label)s — échéance de %(echeance_montant)s du %(echeance_date)s") % {
        "label": label,
        **action_values(action),
    }


def reminder_items(*, user, today: datetime.date) -> list[WorklistItem]:
    """relances' own items: tasks, sends to confirm, contact searches, failed sends."""
    actions = list(
        PlannedAction.objects.filter(
            dossier__assigned_to=user,
            state__in=[State.TO_CONFIRM, State.FAILED],
            due_at__lte=_end_of(today),
        )
        .select_related("dossier__assigned_to", "step__scenario", "step__template", "instalment")
        .order_by("due_at", "pk")
    )
    if not actions:
        return []
    ids = {a.dossier_id for a in actions}
    amounts = scenario_amounts(ids)
    defaults = default_means_many(ids)
    overdue = overdue_counts(ids, today)
    # Two queries for every file's invoices and first letter, only if a template asks.
    legal = legal_values_lazy({a.dossier_id: a.dossier for a in actions}.values())
    items = []
    for action in actions:
        kind = _action_kind(action)
        preview, detail = "", ""
        if kind in ("confirm", "contact_search", "failed") and action.step.is_send:
            preview, detail = _preview(
                action, defaults, overdue.get(action.dossier_id, 0), legal[action.dossier_id]
            )
        if kind == "failed" and action.error:
            detail = action.error
        items.append(
            WorklistItem(
                kind=kind,
                kind_label=KIND_LABELS[kind],
                label=_action_label(action),
                dossier=action.dossier,
                due_date=timezone.localdate(action.due_at),
                amount=amounts.get(action.dossier_id, Decimal("0")),
                url=reverse("dossiers:detail", args=[action.dossier_id]),
                actions=_action_buttons(action, kind),
                detail=detail,
                preview=preview,
                extra={"action": action.pk},
            )
        )
    return items


def next_action_items(*, user, today: datetime.date) -> list[WorklistItem]:
    """Overdue or due « prochaine action » of my files (Dossier.next_action_date)."""
    dossiers = (
        Dossier.objects.filter(assigned_to=user, next_action_date__lte=today)
        .select_related("assigned_to")
        .order_by("next_action_date", "reference")[:500]
    )
    items = []
    for dossier in dossiers:
        url = reverse("dossiers:detail", args=[dossier.pk])
        items.append(
            WorklistItem(
                kind="next_action",
                kind_label=KIND_LABELS["next_action"],
                label=dossier.next_action or _("(sans libellé)"),
                dossier=dossier,
                due_date=dossier.next_action_date,
                amount=dossier.outstanding,
                url=url,
                actions=(
                    WorklistAction(_("Ouvrir le dossier"), url, "get"),
                    WorklistAction(
                        _("Replanifier"), reverse("dossiers:next_action", args=[dossier.pk]), "get"
                    ),
                ),
            )
        )
    return items


# Each provider: (*, user, today) -> list[WorklistItem]. Another app adds its items with
# one line here (e.g. paiements.selectors.worklist_items).
def payment_items(*, user, today: datetime.date) -> list[WorklistItem]:
    """Instalments, broken promises, dispute follow-ups and external-action deadlines
    (``paiements.selectors.worklist_items``)."""
    return [
        # An external action speaks of no amount: it sorts as nothing due.
        WorklistItem(
            **{**item, "amount": item["amount"] or Decimal(0)},
            kind_label=str(KIND_LABELS.get(item["kind"], "")),
            # What to do is on the file's payments panel.
            actions=(WorklistAction(_("Ouvrir le dossier"), item["url"] + "#paiements", "get"),),
        )
        for item in payments_worklist_items(user=user, today=today)
    ]


WORKLIST_PROVIDERS: tuple[Callable[..., Iterable[WorklistItem]], ...] = (
    reminder_items,
    next_action_items,
    payment_items,
)

SORTS = {
    "date": lambda item: (item.due_date, -item.amount, item.dossier.reference),
    "-date": lambda item: (-item.due_date.toordinal(), -item.amount, item.dossier.reference),
    "montant": lambda item: (item.amount, item.due_date, item.dossier.reference),
    "-montant": lambda item: (-item.amount, item.due_date, item.dossier.reference),
}


def worklist(*, user, today: datetime.date | None = None, sort: str = "date") -> list[WorklistItem]:
    today = today or timezone.localdate()
    items: list[WorklistItem] = []
    for provider in WORKLIST_PROVIDERS:
        items.extend(provider(user=user, today=today))
    items.sort(key=SORTS.get(sort, SORTS["date"]))
    return items


def worklist_count(*, user, today: datetime.date | None = None) -> int:
    """The count shown in the navigation, on every page: as many items as ``worklist``
    lists (but past the 500 next actions it shows), in one statement of counts. The
    first two each on its own index (the files' next actions on dossier_next_action_idx,
    the actions waiting for an agent on action_state_due_idx): one count over a join of
    the two cost 130–520 ms for an agent with 50,000 files. Then the payments' items,
    counted from the rules their list reads (``paiements.selectors.worklist_counts``).

    Written in SQL (issue 15): the same statement built with the ORM (two grouped
    subqueries) cost 6–8 ms of CPU to compile on every page, for a statement that
    runs in a fraction of a millisecond. Tables and columns come from the models."""
    today = today or timezone.localdate()
    ops = connection.ops
    dossier = Dossier._meta
    action = PlannedAction._meta

    def column(meta, name: str) -> str:
        return ops.quote_name(meta.get_field(name).column)

    dossiers, actions = ops.quote_name(dossier.db_table), ops.quote_name(action.db_table)
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {dossiers}"  # noqa: S608 - model tables and columns
        f" WHERE {column(dossier, 'assigned_to')} = %s"
        f" AND {column(dossier, 'next_action_date')} <= %s)"
        f" + (SELECT COUNT(*) FROM {actions} a INNER JOIN {dossiers} d"
        f" ON a.{column(action, 'dossier')} = d.{column(dossier, 'id')}"
        f" WHERE d.{column(dossier, 'assigned_to')} = %s"
        f" AND a.{column(action, 'due_at')} <= %s"
        f" AND a.{column(action, 'state')} IN (%s, %s))"
    )
    params = [
        user.pk,
        ops.adapt_datefield_value(today),
        user.pk,
        ops.adapt_datetimefield_value(_end_of(today)),
        State.TO_CONFIRM.value,
        State.FAILED.value,
    ]
    # And the payments' items, from the rules their list reads (compiled once).
    for index, (part, part_params) in enumerate(payments_worklist_counts(user=user, today=today)):
        sql += f" + (SELECT COUNT(*) FROM ({part}) w{index})"  # noqa: S608 - the ORM's SQL
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])
