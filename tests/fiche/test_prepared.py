"""recouvrement.prepared: the client file's reads compiled once per process (issue 15)
run the ORM's own SQL with the caller's values, and give the ORM's results."""

import datetime
import threading

import pytest
from django.db import connections

from contacts import selectors as contact_selectors
from contacts.models import Contact, ContactPoint
from dossiers import forms as dossier_forms
from dossiers import paging
from dossiers import panels as dossier_panels
from fiche import caching as fiche_caching
from paiements import selectors as payment_selectors
from pieces import selectors as piece_selectors
from recouvrement import backends
from recouvrement.prepared import PreparedShapeError, prepared
from relances import selectors as reminder_selectors
from tests.factories import ContactFactory, ContactPointFactory, DossierFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)

# Every shape the client file uses, with the values of one call.
SHAPES = [
    (reminder_selectors._panel_run, {"dossier_id": 3, "today": TODAY}),
    (reminder_selectors._panel_open_actions, {"run_id": 5}),
    (payment_selectors._panel_payments, {"dossier_id": 3}),
    (payment_selectors._panel_latest_promise, {"dossier_id": 3}),
    (payment_selectors._panel_open_disputes, {"dossier_id": 3}),
    (payment_selectors._panel_open_actions, {"dossier_id": 3}),
    (payment_selectors._panel_allocations, {"dossier_id": 3}),
    (payment_selectors._panel_instalments, {"promise_id": 3}),
    (payment_selectors._panel_promise_receivables, {"promise_id": 3}),
    (payment_selectors._panel_dispute_receivables, {"dossier_id": 3}),
    (payment_selectors._panel_action_receivables, {"dossier_id": 3}),
    *[(shape, {"dossier_id": 3}) for shape in contact_selectors._block_contacts.values()],
    *[(shape, {"dossier_id": 3}) for shape in contact_selectors._block_points.values()],
    (dossier_panels._receivables, {"dossier_id": 3}),
    (dossier_forms._collaborators, {}),
    (paging._notes_count, {"dossier_id": 3}),
    (paging._notes_first_page, {"dossier_id": 3}),
    (piece_selectors._pieces_count, {"dossier_id": 3}),
    (fiche_caching.dossier_with_versions, {"pk": 3}),
    *[(shape, {"user_id": 3}) for shape in backends._PERMISSIONS.values()],
]


def _compiled(queryset):
    return queryset.query.get_compiler(using=queryset.db).as_sql()


@pytest.mark.parametrize(("shape", "values"), SHAPES)
def test_a_shape_runs_the_sql_the_orm_builds_for_the_same_values(shape, values):
    shape(**values)  # compiled here, with the sentinels
    other = {
        k: v + 1 if isinstance(v, int) else v + datetime.timedelta(days=1)
        for k, v in values.items()
    }
    for given in (values, other):
        assert _compiled(shape.queryset(**given)) == _compiled(shape.build(**given))


def test_the_results_are_the_orm_s_with_their_related_objects():
    dossier = DossierFactory()
    contact = ContactFactory(dossier=dossier)
    ContactPointFactory(contact=contact, dossier=dossier)
    ContactPointFactory(contact=contact, dossier=dossier, status=ContactPoint.Status.INVALID)
    ContactFactory(dossier=DossierFactory())  # another file's contact: not read
    for show_invalid in (False, True):
        plain = list(contact_selectors._block_points[show_invalid].build(dossier_id=dossier.pk))
        fast = contact_selectors._block_points[show_invalid](dossier_id=dossier.pk)
        assert [p.pk for p in fast] == [p.pk for p in plain]
        assert [p.__dict__.keys() for p in fast] == [p.__dict__.keys() for p in plain]
        assert fast
        contacts = contact_selectors._block_contacts[show_invalid](dossier_id=dossier.pk)
        assert [c.pk for c in contacts] == [contact.pk]
        if not show_invalid:
            assert contacts[0].hidden_invalid == 1
    # The block itself: the invalid means hidden unless asked.
    block = contact_selectors.contact_block(dossier=dossier, show_invalid=False)
    assert len(block[0].visible_points) == 1
    assert block[0].visible_points[0].contact is block[0]
    assert (
        len(contact_selectors.contact_block(dossier=dossier, show_invalid=True)[0].visible_points)
        == 2
    )


def test_select_related_objects_are_built_without_a_query(django_assert_num_queries):
    dossier = DossierFactory()
    contact = ContactFactory(dossier=dossier)
    ContactPointFactory(contact=contact, dossier=dossier)
    shape = contact_selectors._block_points[True]
    shape(dossier_id=dossier.pk)
    with django_assert_num_queries(1):
        points = shape(dossier_id=dossier.pk)
        _ = [(p.created_by, p.last_evidence) for p in points]


def test_a_shape_whose_sql_changes_with_its_values_is_refused():
    def build(dossier_id):
        if dossier_id % 2:
            return Contact.objects.filter(dossier_id__gt=dossier_id)
        return Contact.objects.filter(dossier_id__lt=dossier_id)

    with pytest.raises(PreparedShapeError):
        prepared(build)(dossier_id=1)


def test_values_that_change_the_sql_or_its_type_are_refused():
    shape = prepared(lambda dossier_id: Contact.objects.filter(dossier_id=dossier_id))
    with pytest.raises(PreparedShapeError):
        shape(dossier_id=None)
    shape(dossier_id=1)
    with pytest.raises(TypeError):
        shape(dossier_id="1")
    with pytest.raises(TypeError):
        shape(other=1)


def test_two_values_of_one_type_each_go_to_their_own_parameter():
    first, second = DossierFactory(), DossierFactory()
    ContactFactory(dossier=first, last_name="Alpha")
    ContactFactory(dossier=second, last_name="Beta")
    shape = prepared(
        lambda low, high: Contact.objects.filter(
            dossier_id__gte=low, dossier_id__lte=high
        ).order_by("id")
    )
    assert [c.last_name for c in shape(low=second.pk, high=second.pk)] == ["Beta"]
    assert [c.last_name for c in shape(low=first.pk, high=second.pk)] == ["Alpha", "Beta"]


def test_a_prepared_queryset_changed_afterwards_is_compiled_as_usual():
    dossier = DossierFactory()
    ContactFactory(dossier=dossier, last_name="Alpha")
    ContactFactory(dossier=dossier, last_name="Beta")
    shape = prepared(lambda dossier_id: Contact.objects.filter(dossier_id=dossier_id))
    assert [
        c.last_name for c in shape.queryset(dossier_id=dossier.pk).filter(last_name="Beta")
    ] == ["Beta"]
    assert shape.queryset(dossier_id=dossier.pk).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_shape_compiled_in_one_thread_runs_on_another_thread_s_connection():
    """gunicorn's threads each have their connection; the compiled statement must not
    keep the one it was compiled on (SQLite refuses a connection of another thread)."""
    dossier = DossierFactory()
    ContactFactory(dossier=dossier, last_name="Alpha")
    shape = prepared(lambda dossier_id: Contact.objects.filter(dossier_id=dossier_id))
    assert len(shape(dossier_id=dossier.pk)) == 1
    found, errors = [], []

    def other_thread():
        try:
            found.extend(c.last_name for c in shape(dossier_id=dossier.pk))
        except Exception as exc:  # noqa: BLE001 — reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert errors == []
    assert found == ["Alpha"]


def test_a_file_number_no_column_can_hold_is_a_404_not_an_error(client, django_user_model):
    """The URL takes any digits; the database would refuse a 64-bit overflow as a
    parameter (PostgreSQL: out of range, SQLite: OverflowError): the ORM's own
    handling is used for such a value."""
    from tests.factories import agent

    client.force_login(agent())
    assert client.get(f"/dossiers/{2**63}/").status_code == 404
    assert client.get(f"/dossiers/{10**30}/").status_code == 404
    dossier = DossierFactory()
    assert client.get(f"/dossiers/{dossier.pk}/").status_code == 200


def test_the_permission_backend_gives_django_s_permission_sets():
    from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
    from django.contrib.auth.models import Group, Permission

    from recouvrement.backends import ModelBackend
    from tests.factories import UserFactory

    user = UserFactory()
    group = Group.objects.create(name="prepared-test")
    group.permissions.add(Permission.objects.get(codename="add_note"))
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.get(codename="view_dossier"))
    for fresh in (lambda: type(user).objects.get(pk=user.pk),):
        ours, django = fresh(), fresh()
        assert ModelBackend().get_all_permissions(ours) == DjangoModelBackend().get_all_permissions(
            django
        )
        assert ModelBackend().get_all_permissions(ours) >= {
            "dossiers.add_note",
            "dossiers.view_dossier",
        }
        assert ModelBackend().get_user_permissions(fresh()) == {"dossiers.view_dossier"}
        assert ModelBackend().get_group_permissions(fresh()) == {"dossiers.add_note"}
