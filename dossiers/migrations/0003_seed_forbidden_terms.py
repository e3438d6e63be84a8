"""Seed the list of terms refused in observations and notes (CNIL rule on free text).

Administrators edit the list afterwards in the admin; a term that is already there
(edited or deactivated) is left alone.
"""

from django.db import migrations

SEED = {
    "subjectif": [
        "menteur", "mythomane", "malhonnête", "mauvais payeur", "mauvaise foi",
        "fainéant", "paresseux", "radin", "pingre", "agressif", "hystérique", "fou",
        "folle", "cinglé", "dingue", "tordu", "parasite", "profiteur", "arnaqueur",
        "stupide", "incompétent", "bon à rien", "insupportable", "odieux",
        "désagréable", "mal élevé", "sans gêne", "sournois", "hypocrite", "vicieux",
        "irresponsable", "moche", "sénile", "gâteux", "ivrogne",
    ],
    "injure": [
        "connard", "connasse", "salaud", "salope", "enfoiré", "abruti", "crétin",
        "débile", "imbécile", "idiot", "ordure", "pourriture", "minable", "cassos",
        "clochard", "clodo", "pouffiasse", "bâtard", "enculé", "pute", "putain",
        "crevard", "merdeux",
    ],
    "sante": [
        "malade", "maladie", "cancer", "diabète", "diabétique", "dépression",
        "dépressif", "handicap", "handicapé", "invalidité", "alcoolique", "alcoolisme",
        "drogué", "toxicomane", "séropositif", "sida", "hospitalisé", "hospitalisation",
        "psychiatrique", "schizophrène", "bipolaire", "alzheimer", "grossesse",
        "chimiothérapie", "obèse",
    ],
    "religion": [
        "religion", "musulman", "catholique", "juif", "chrétien", "protestant",
        "bouddhiste", "athée", "islam", "islamiste", "intégriste", "évangélique",
        "témoin de Jéhovah", "mosquée", "synagogue", "ramadan", "secte",
    ],
    "opinion": [
        "opinion politique", "opinions politiques", "communiste", "fasciste", "facho",
        "gauchiste", "anarchiste", "nationaliste", "extrême droite", "extrême gauche",
        "gilet jaune", "militant politique", "franc-maçon",
    ],
    "syndicat": [
        "syndicaliste", "syndiqué", "délégué syndical", "représentant syndical",
        "appartenance syndicale", "CGT", "CFDT", "Force ouvrière", "gréviste",
    ],
    "sexualite": [
        "homosexuel", "homo", "gay", "lesbienne", "bisexuel", "transsexuel",
        "transgenre", "orientation sexuelle", "vie sexuelle", "pédé", "tapette",
        "gouine", "libertin", "échangiste", "prostitué", "prostitution",
    ],
    "origine": [
        "origine ethnique", "race", "racial", "ethnie", "immigré", "sans-papiers",
        "clandestin", "gitan", "romanichel", "manouche", "nègre", "bougnoule",
        "bicot", "youpin", "rital", "beur", "rebeu", "chinetoque", "bamboula",
    ],
    "infraction": [
        "casier judiciaire", "condamnation pénale", "repris de justice", "prison",
        "prisonnier", "incarcéré", "garde à vue", "délinquant", "criminel", "voleur",
        "escroc", "escroquerie", "fraudeur", "dealer", "trafiquant",
    ],
}


def seed(apps, schema_editor):
    ForbiddenTerm = apps.get_model("dossiers", "ForbiddenTerm")
    existing = set(ForbiddenTerm.objects.values_list("term", flat=True))
    ForbiddenTerm.objects.bulk_create(
        [
            ForbiddenTerm(term=term, category=category, active=True)
            for category, terms in SEED.items()
            for term in terms
            if term not in existing
        ]
    )


def unseed(apps, schema_editor):
    ForbiddenTerm = apps.get_model("dossiers", "ForbiddenTerm")
    terms = [term for terms in SEED.values() for term in terms]
    ForbiddenTerm.objects.filter(term__in=terms).delete()


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0002_groups")]

    operations = [migrations.RunPython(seed, unseed)]
