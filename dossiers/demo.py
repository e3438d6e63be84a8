"""Realistic French demonstration data, written in bulk (see the demo_data command)."""

from __future__ import annotations

import datetime
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from contacts.models import Contact, ContactPoint, Evidence
from contacts.normalize import postal_value_key
from recouvrement.groups import AGENT_GROUP, MANAGER_GROUP

from .models import Dossier, JournalEntry, Note, Receivable
from .services import dossier_refresh_totals
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


class DemoBuilder:
    def __init__(self, *, seed: int = 2026):
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.used_phones: set[str] = set()

    def phone(self, mobile: bool) -> str:
        while True:
            prefix = (
                self.rng.choice(["6", "7"])
                if mobile
                else self.rng.choice(["1", "2", "3", "4", "5", "9"])
            )
            rest = "".join(str(self.rng.randint(0, 9)) for _ in range(8))
            e164 = f"+33{prefix}{rest}"
            if e164 not in self.used_phones:
                self.used_phones.add(e164)
                return e164

    def build(self, *, count: int, users: DemoUsers, batch_size: int = 2000, progress=None) -> int:
        start = Dossier.objects.count()
        created = 0
        while created < count:
            size = min(batch_size, count - created)
            with transaction.atomic():
                self._batch(start + created, size, users)
            created += size
            if progress:
                progress(created)
        return created

    def _batch(self, offset: int, size: int, users: DemoUsers) -> None:
        rng = self.rng
        agents = users.agents
        dossiers = []
        for i in range(offset, offset + size):
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
                    next_action_date=self.today + datetime.timedelta(days=rng.randint(-3, 20)),
                    created_at=self.now - datetime.timedelta(days=rng.randint(30, 400)),
                )
            )
        dossiers = Dossier.objects.bulk_create(dossiers, batch_size=1000)

        receivables, contacts, journal, notes = [], [], [], []
        for index, dossier in enumerate(dossiers):
            for n in range(rng.randint(1, 5)):
                issue = self.today - datetime.timedelta(days=rng.randint(20, 300))
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
            people = rng.randint(1, 3)
            for p in range(people):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                civility = rng.choice(["M.", "Mme"])
                if index == 0 and offset == 0:
                    civility, first, last = (
                        ("Mme", "Agnès", "Perrin"),
                        ("M.", "Basile", "Roux"),
                        ("M.", "Hugo", "Faure"),
                    )[p]
                contacts.append(
                    Contact(
                        dossier=dossier,
                        external_key=f"C{p + 1}",
                        civility=civility,
                        first_name=first,
                        last_name=last,
                        function=rng.choice(FUNCTIONS)
                        if dossier.kind == Dossier.Kind.COMPANY
                        else "",
                        observation=rng.choice(OBSERVATIONS),
                        created_at=dossier.created_at,
                    )
                )
            journal.append(
                JournalEntry(
                    dossier=dossier,
                    action=JournalEntry.Action.DOSSIER_CREATED,
                    actor_kind=JournalEntry.ActorKind.IMPORT,
                    message="Dossier créé par l'import des données de démonstration.",
                    created_at=dossier.created_at,
                )
            )
            for k in range(rng.randint(0, 3)):
                notes.append(
                    Note(
                        dossier=dossier,
                        author=rng.choice(agents),
                        text=rng.choice(NOTE_TEXTS).format(
                            inv=f"F{self.today.year}-{dossier.pk:06d}-1"
                        ),
                        created_at=self.now
                        - datetime.timedelta(days=rng.randint(0, 40), minutes=k * 37),
                    )
                )
        Receivable.objects.bulk_create(receivables, batch_size=2000)
        contacts = Contact.objects.bulk_create(contacts, batch_size=2000)
        JournalEntry.objects.bulk_create(journal, batch_size=2000)
        Note.objects.bulk_create(notes, batch_size=2000)
        self._points(contacts, agents)
        dossier_refresh_totals(dossier_ids=[d.pk for d in dossiers])

    def _points(self, contacts: list[Contact], agents) -> None:
        rng = self.rng
        points: list[ContactPoint] = []
        for contact in contacts:
            kinds = ["phone", "email", "postal"]
            if rng.random() < 0.5:
                kinds.append("phone")
            for kind in kinds:
                status = rng.choices(["pending", "valid", "invalid"], weights=[30, 55, 15])[0]
                point = ContactPoint(
                    contact=contact,
                    dossier_id=contact.dossier_id,
                    kind=kind,
                    status=status,
                    created_at=contact.created_at,
                )
                if kind == "phone":
                    mobile = rng.random() < 0.6
                    number = self.phone(mobile)
                    point.phone = number
                    point.phone_type = "mobile" if mobile else "fixe"
                    point.value_key = number
                elif kind == "email":
                    domain = rng.choice(["example.fr", "exemple.com", "courriel.fr"])
                    local = f"{contact.first_name}.{contact.last_name}".lower()
                    local = local.translate(
                        str.maketrans("àâäçéèêëîïôöùûüœ' ", "aaaceeeeiioouuuo--")
                    )
                    point.email = f"{local}{contact.pk}@{domain}"
                    point.value_key = point.email
                else:
                    postcode, city = rng.choice(CITIES)
                    number = rng.randint(1, 180)
                    point.address_line1 = (
                        f"{number} {rng.choice(STREET_KINDS)} {rng.choice(STREET_NAMES)}"[:38]
                    )
                    if rng.random() < 0.3:
                        point.address_line2 = f"Bâtiment {rng.choice('ABCD')}"
                    point.postcode, point.city = postcode, city.upper()
                    point.value_key = postal_value_key(
                        point.address_line1, point.address_line2, "", postcode
                    )
                if status != "pending":
                    point.status_changed_at = self.now - datetime.timedelta(days=rng.randint(1, 60))
                if status == "valid":
                    point.validated_at = point.status_changed_at
                points.append(point)
        # The default rule: in each file and kind with a validated means, the most
        # recently validated one carries the star.
        best: dict[tuple[int, str], ContactPoint] = {}
        for point in points:
            if point.status == "valid":
                key = (point.dossier_id, point.kind)
                if key not in best or point.validated_at > best[key].validated_at:
                    best[key] = point
        for point in best.values():
            point.is_default = True
        points = ContactPoint.objects.bulk_create(points, batch_size=2000)

        positive = {
            "phone": ["appel_abouti", "appel_entrant"],
            "postal": ["accuse_reception", "courrier_entrant"],
            "email": ["email_recu"],
        }
        negative = {"phone": "faux_numero", "postal": "npai", "email": "bounce"}
        evidences = []
        with_evidence = []
        for point in points:
            if point.status == "pending":
                continue
            kind = (
                rng.choice(positive[point.kind])
                if point.status == "valid"
                else negative[point.kind]
            )
            from_import = rng.random() < 0.4
            evidences.append(
                Evidence(
                    point=point,
                    kind=kind,
                    occurred_at=point.status_changed_at,
                    source="import" if from_import else "ui",
                    source_detail="import téléphonie"
                    if from_import and point.kind == "phone"
                    else ("retours courrier" if from_import else ""),
                    recorded_by=None if from_import else rng.choice(agents),
                    created_at=point.status_changed_at,
                )
            )
            with_evidence.append(point)
        Evidence.objects.bulk_create(evidences, batch_size=2000)
        # The journal tells the same story as the evidence, as the services would.
        contacts_by_pk = {point.contact_id: point.contact for point in with_evidence}
        JournalEntry.objects.bulk_create(
            [
                JournalEntry(
                    dossier_id=point.dossier_id,
                    created_at=evidence.occurred_at,
                    actor=evidence.recorded_by,
                    actor_kind=(
                        JournalEntry.ActorKind.IMPORT
                        if evidence.source == "import"
                        else JournalEntry.ActorKind.USER
                    ),
                    action=(
                        JournalEntry.Action.POINT_VALIDATED
                        if point.status == "valid"
                        else JournalEntry.Action.POINT_INVALIDATED
                    ),
                    message=(
                        f"{point.display_value} ({contacts_by_pk[point.contact_id].full_name}) : "
                        f"{evidence.get_kind_display()} — désormais {point.get_status_display().lower()}."
                    ),
                    data={"point": point.pk, "evidence": evidence.pk},
                )
                for point, evidence in zip(with_evidence, evidences, strict=True)
            ],
            batch_size=2000,
        )
        # One UPDATE instead of a bulk_update: each means points to its latest evidence.
        latest = Evidence.objects.filter(point=OuterRef("pk")).order_by("-occurred_at", "-id")
        ContactPoint.objects.filter(pk__in=[p.pk for p in with_evidence]).update(
            last_evidence=Subquery(latest.values("pk")[:1])
        )
