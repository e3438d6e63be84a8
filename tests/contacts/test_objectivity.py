"""The objectivity rule of the seed: « Les informations renseignées doivent être
objectives et en relation avec la gestion des dossiers. Elles ne doivent pas porter
atteinte à l'image de la personne. »"""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError

from dossiers.models import ForbiddenTerm
from dossiers.objectivity import check_objectivity, validate_objective

pytestmark = pytest.mark.django_db


def refused(text: str) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        check_objectivity(text)
    return excinfo.value.messages


def test_seeded_term_is_refused_with_term_and_rule_named():
    (message,) = refused("Client menteur, ne rappelle jamais.")
    assert message == (
        "Le terme « menteur » n'est pas autorisé (jugement subjectif) : les informations "
        "saisies doivent être objectives, en relation avec la gestion du dossier, et ne pas "
        "porter atteinte à l'image de la personne."
    )


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("MALADE depuis mars", "malade"),
        ("Il est malade.", "malade"),
        ("Elle est menteuse", "menteur"),
        ("des menteurs", "menteur"),
        ("Très agressive au téléphone", "agressif"),
        ("Délégués syndicaux de l'entreprise", "délégué syndical"),
        ("Il est Chrétienne", "chrétien"),
        ("Sort de PRISON", "prison"),
        ("Il est hospitalisée", "hospitalisé"),
        ("A un casier judiciaire", "casier judiciaire"),
        ("clairement de mauvaise foi", "mauvaise foi"),
        ("plutôt mal élevée", "mal élevé"),
        ("Diabete", "diabète"),
    ],
)
def test_case_accents_plural_and_feminine_are_matched(text, term):
    messages = refused(text)
    assert any(f"« {term} »" in message for message in messages), messages


@pytest.mark.parametrize(
    "text",
    [
        "Maladresse dans le courrier du 12/11, à renvoyer",
        "DAF, joignable le matin ; préfère l'e-mail pour les relevés.",
        "Comptable du cabinet, bureau à Rome jusqu'au 15/12",
        "Numéro invalide, appel du 18/11",
        "Syndic de copropriété, syndicat des copropriétaires",
        "Boulangerie Œuvre & Fils, le gérant signe les chèques",
    ],
)
def test_innocent_text_is_accepted(text):
    check_objectivity(text)


def test_multiple_terms_are_all_named():
    messages = refused("Menteur et malade")
    assert len(messages) == 2
    assert "« menteur »" in messages[0]
    assert "« malade »" in messages[1]
    assert "(santé)" in messages[1]


def test_list_is_editable_deactivated_term_no_longer_refused_and_new_term_refused():
    ForbiddenTerm.objects.filter(term="menteur").update(active=False)
    check_objectivity("menteur")
    ForbiddenTerm.objects.create(term="bon vivant", category=ForbiddenTerm.Category.SUBJECTIVE)
    assert "« bon vivant »" in refused("C'est un bon vivant")[0]


def test_one_query_whatever_the_length(django_assert_num_queries):
    text = "Joignable le matin, rappeler la comptable. " * 200
    with django_assert_num_queries(1):
        check_objectivity(text)


def test_blank_text_needs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        check_objectivity("   ")


def test_validator_in_a_form_shows_the_message():
    class ObservationForm(forms.Form):
        observation = forms.CharField(validators=[validate_objective])

    form = ObservationForm(data={"observation": "Un vrai escroc"})
    assert not form.is_valid()
    assert (
        "« escroc » n'est pas autorisé (infractions, condamnations)"
        in (form.errors["observation"][0])
    )
    assert ObservationForm(data={"observation": "Comptable"}).is_valid()


def test_seed_covers_every_category():
    categories = set(ForbiddenTerm.objects.filter(active=True).values_list("category", flat=True))
    assert categories == set(ForbiddenTerm.Category.values)
