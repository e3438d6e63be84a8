"""Realistic French demonstration data for files: the files themselves, their
receivables, notes and journal, written in bulk. ``demo.builder`` composes it
with the other apps' seeders (``contacts.demo``…); the names, streets and towns
below are shared with them."""

from __future__ import annotations

import datetime
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from recouvrement.groups import AGENT_GROUP, MANAGER_GROUP

from .models import Dossier, JournalEntry, Note, Receivable
from .services import dossier_refresh_totals, journal_entry_build
from .validators import luhn_is_valid

FIRST_NAMES = [
    "Agnès",
    "Basile",
    "Camille",
    "Damien",
    "Élodie",
    "François",
    "Gaëlle",
    "Hugo",
    "Inès",
    "Jérôme",
    "Karine",
    "Laurent",
    "Manon",
    "Nicolas",
    "Océane",
    "Pascal",
    "Quentin",
    "Rose",
    "Sébastien",
    "Thérèse",
    "Ulysse",
    "Valérie",
    "William",
    "Yasmine",
    "Zoé",
    "Amélie",
    "Benoît",
    "Céline",
    "Didier",
    "Estelle",
    "Frédéric",
    "Hélène",
    "Isabelle",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Perrin",
    "Caron",
]
COMPANY_STEMS = [
    "Boulangerie",
    "Garage",
    "Menuiserie",
    "Transports",
    "Pharmacie",
    "Imprimerie",
    "Plomberie",
    "Cabinet",
    "Restaurant",
    "Librairie",
    "Fromagerie",
    "Électricité",
    "Pâtisserie",
    "Charpente",
    "Serrurerie",
    "Maçonnerie",
    "Fleuriste",
    "Quincaillerie",
]
COMPANY_SUFFIXES = ["& Fils", "SARL", "SAS", "et Associés", "du Centre", "de la Gare", "Frères"]
STREET_KINDS = ["rue", "avenue", "boulevard", "place", "allée", "impasse", "chemin"]
STREET_NAMES = [
    "de la République",
    "Victor Hugo",
    "Jean Jaurès",
    "de la Paix",
    "Pasteur",
    "du Général de Gaulle",
    "des Lilas",
    "de l'Église",
    "Gambetta",
    "de la Liberté",
    "Émile Zola",
    "des Écoles",
    "du Moulin",
    "de Verdun",
    "Nationale",
    "de l'Échiquier",
]
CITIES = [
    ("75010", "Paris"),
    ("69003", "Lyon"),
    ("13001", "Marseille"),
    ("31000", "Toulouse"),
    ("44000", "Nantes"),
    ("33000", "Bordeaux"),
    ("59000", "Lille"),
    ("67000", "Strasbourg"),
    ("35000", "Rennes"),
    ("34000", "Montpellier"),
    ("21000", "Dijon"),
    ("37000", "Tours"),
    ("49000", "Angers"),
    ("63000", "Clermont-Ferrand"),
    ("87000", "Limoges"),
    ("76000", "Rouen"),
    ("29200", "Brest"),
    ("51100", "Reims"),
    ("38000", "Grenoble"),
]
FUNCTIONS = [
    "Comptable",
    "Directeur administratif et financier",
    "Gérant",
    "Assistante de direction",
    "Responsable des achats",
]
OBSERVATIONS = [
    "Joignable le matin ; préfère l'e-mail pour les relevés.",
    "Demande un échéancier avant la fin du mois.",
    "Interlocuteur pour les litiges de facturation.",
    "Absent le mercredi.",
    "",
    "",
]
NEXT_ACTIONS = [
    "Relance téléphonique",
    "Relance écrite",
    "Vérifier le règlement",
    "Mise en demeure",
    "Rappeler le comptable",
]
NOTE_TEXTS = [
    "Promesse de règlement de 500 € au 15 du mois, confirmée par e-mail.",
    "Le débiteur conteste la facture {inv} : demande du bon de livraison au service commercial.",
    "Message laissé sur la messagerie, rappel prévu demain.",
    "Échéancier accepté : trois mensualités.",
    "Le comptable confirme un virement en cours.",
]


def siren_for(rng: random.Random) -> str:
    while True:
        base = "".join(str(rng.randint(0, 9)) for _ in range(8))
        for key in range(10):
            candidate = f"{base}{key}"
            if luhn_is_valid(candidate) and candidate[0] != "0":
                return candidate


@dataclass
class DemoUsers:
    agents: list
    manager: object
    passwords: dict[str, str] = field(default_factory=dict)


def demo_users() -> DemoUsers:
    User = get_user_model()
    agent_group = Group.objects.get(name=AGENT_GROUP)
    manager_group = Group.objects.get(name=MANAGER_GROUP)
    spec = [
        ("agnes", "Agnès", "Martin", agent_group, False),
        ("bruno", "Bruno", "Caron", agent_group, False),
        ("claire", "Claire", "Dubois", manager_group, True),
    ]
    users, passwords = [], {}
    for username, first, last, group, staff in spec:
        user, _ = User.objects.get_or_create(username=username)
        user.first_name, user.last_name, user.is_staff = first, last, staff
        user.email = f"{username}@recouvrement.example"
        password = f"{username}-{secrets.token_hex(4)}"
        user.set_password(password)
        user.save()
        user.groups.set([group])
        users.append(user)
        passwords[username] = password
    return DemoUsers(agents=users[:2], manager=users[2], passwords=passwords)


@dataclass
class DemoBatch:
    """One batch of demonstration files, handed to each seeder in turn: the files
    (created by ``seed_dossiers``, the first seeder), the users, the random
    generator shared by all (so that a seed gives the same data) and the moment."""

    offset: int
    size: int
    users: DemoUsers
    rng: random.Random
    now: datetime.datetime = field(default_factory=timezone.now)
    today: datetime.date = field(default_factory=timezone.localdate)
    dossiers: list[Dossier] = field(default_factory=list)
    #: what a seeder keeps from batch to batch (numbers already given…)
    state: dict = field(default_factory=dict)


def seed_dossiers(batch: DemoBatch) -> None:
    """The batch's files, each with receivables, a journal entry and a few notes."""
    rng, agents = batch.rng, batch.users.agents
    dossiers = []
    for i in range(batch.offset, batch.offset + batch.size):
        company = (i == 0) or rng.random() < 0.55
        if i == 0:
            name = "Boulangerie Œuvre & Fils"
        elif company:
            name = f"{rng.choice(COMPANY_STEMS)} {rng.choice(LAST_NAMES)} {rng.choice(COMPANY_SUFFIXES)}"
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        status = rng.choices(
            [s for s, _ in Dossier.Status.choices], weights=[4, 60, 0, 8, 14, 4, 6]
        )[0]
        if i == 0:
            status = Dossier.Status.IN_PROGRESS
        dossiers.append(
            Dossier(
                reference=f"ACC-{1001 + i}",
                name=name,
                kind=Dossier.Kind.COMPANY if company else Dossier.Kind.INDIVIDUAL,
                siren=siren_for(rng) if company and rng.random() < 0.9 else "",
                assigned_to=agents[0] if i == 0 else rng.choice(agents),
                status=status,
                next_action=rng.choice(NEXT_ACTIONS),
                next_action_date=batch.today + datetime.timedelta(days=rng.randint(-3, 20)),
                created_at=batch.now - datetime.timedelta(days=rng.randint(30, 400)),
            )
        )
    batch.dossiers = dossiers = Dossier.objects.bulk_create(dossiers, batch_size=1000)
    receivables, journal, notes = [], [], []
    for dossier in dossiers:
        for n in range(rng.randint(1, 5)):
            issue = batch.today - datetime.timedelta(days=rng.randint(20, 300))
            due = issue + datetime.timedelta(days=rng.choice([30, 45, 60]))
            amount = Decimal(rng.randint(5000, 900000)) / 100
            paid = rng.random()
            balance = amount if paid < 0.7 else (amount / 2).quantize(Decimal("0.01"))
            if dossier.status == Dossier.Status.CLOSED:
                balance = Decimal("0.00")
            receivables.append(
                Receivable(
                    dossier=dossier,
                    number=f"F{issue.year}-{dossier.pk:06d}-{n + 1}",
                    issue_date=issue,
                    due_date=due,
                    amount=amount,
                    balance=balance,
                )
            )
        entry = journal_entry_build(
            dossier=dossier,
            action=JournalEntry.Action.DOSSIER_CREATED,
            actor_kind=JournalEntry.ActorKind.IMPORT,
            message="Dossier créé par l'import des données de démonstration.",
        )
        entry.created_at = dossier.created_at
        journal.append(entry)
        for k in range(rng.randint(0, 3)):
            notes.append(
                Note(
                    dossier=dossier,
                    author=rng.choice(agents),
                    text=rng.choice(NOTE_TEXTS).format(
                        inv=f"F{batch.today.year}-{dossier.pk:06d}-1"
                    ),
                    created_at=batch.now
                    - datetime.timedelta(days=rng.randint(0, 40), minutes=k * 37),
                )
            )
    Receivable.objects.bulk_create(receivables, batch_size=2000)
    JournalEntry.objects.bulk_create(journal, batch_size=2000)
    Note.objects.bulk_create(notes, batch_size=2000)
    dossier_refresh_totals(dossier_ids=[d.pk for d in dossiers])
