"""Factories for every app's models (factory_boy)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from contacts.models import Contact, ContactPoint
from contacts.normalize import postal_value_key
from dossiers.models import Dossier, Note, Receivable
from recouvrement.groups import AGENT_GROUP, MANAGER_GROUP


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.fr")
    password = factory.django.Password("motdepasse-solide-2026")

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


def agent(**kwargs):
    return UserFactory(group=AGENT_GROUP, **kwargs)


def manager(**kwargs):
    return UserFactory(group=MANAGER_GROUP, is_staff=True, **kwargs)


def reader(username: str = "lecteur"):
    """A user who may read the files and their notes, nothing more (a group of theirs)."""
    from django.contrib.auth.models import Group, Permission

    readers, _ = Group.objects.get_or_create(name="Lecteurs")
    readers.permissions.set(
        Permission.objects.filter(
            content_type__app_label="dossiers", codename__in=["view_dossier", "view_note"]
        )
    )
    user = UserFactory(username=username)
    user.groups.add(readers)
    return user


class DossierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dossier

    reference = factory.Sequence(lambda n: f"DOS-{n:06d}")
    name = factory.Faker("company", locale="fr_FR")
    kind = Dossier.Kind.COMPANY
    status = Dossier.Status.IN_PROGRESS


class ReceivableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Receivable
        skip_postgeneration_save = True

    dossier = factory.SubFactory(DossierFactory)
    number = factory.Sequence(lambda n: f"F2026-{n:05d}")
    issue_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=90))
    due_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))
    amount = Decimal("1234.56")
    balance = Decimal("1234.56")

    @factory.post_generation
    def refresh_totals(self, create, extracted, **kwargs):
        # As the services and imports do: the file's outstanding follows its receivables.
        if create:
            from dossiers.services import dossier_refresh_totals

            dossier_refresh_totals(dossier_ids=[self.dossier_id])


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    dossier = factory.SubFactory(DossierFactory)
    civility = "Mme"
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")


class ContactPointFactory(factory.django.DjangoModelFactory):
    """A phone by default; pass kind="email" or kind="postal" for the others."""

    class Meta:
        model = ContactPoint

    contact = factory.SubFactory(ContactFactory)
    dossier = factory.LazyAttribute(lambda p: p.contact.dossier)
    kind = ContactPoint.Kind.PHONE
    status = ContactPoint.Status.PENDING
    phone = factory.LazyAttribute(
        lambda p: f"+336{p.sequence_number:08d}" if p.kind == "phone" else ""
    )
    phone_type = factory.LazyAttribute(lambda p: "mobile" if p.kind == "phone" else "")
    email = factory.LazyAttribute(
        lambda p: f"contact{p.sequence_number}@example.fr" if p.kind == "email" else ""
    )
    address_line1 = factory.LazyAttribute(
        lambda p: f"{p.sequence_number % 200 + 1} rue de la Paix" if p.kind == "postal" else ""
    )
    address_line2 = ""
    address_line3 = ""
    postcode = factory.LazyAttribute(lambda p: "75002" if p.kind == "postal" else "")
    city = factory.LazyAttribute(lambda p: "PARIS" if p.kind == "postal" else "")
    value_key = factory.LazyAttribute(
        lambda p: (
            p.phone
            or p.email.lower()
            or postal_value_key(p.address_line1, p.address_line2, p.address_line3, p.postcode)
        )
    )
    validated_at = factory.LazyAttribute(
        lambda p: timezone.now() if p.status == ContactPoint.Status.VALID else None
    )

    class Params:
        sequence_number = factory.Sequence(lambda n: n)


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    dossier = factory.SubFactory(DossierFactory)
    author = factory.SubFactory(UserFactory)
    text = "Promesse de règlement au 15/12."
