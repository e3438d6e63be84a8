"""The objectivity rule for free text (observations and notes).

The CNIL rule the seed quotes: what agents write must be objective, related to the
handling of the file, and must not harm the person's image. The application checks
it against the active ``ForbiddenTerm`` rows (editable in the admin).

Matching ignores case and accents and works on whole words (or whole phrases), so
that "malade" flags "malades" and "Malade" but never "maladresse". Simple plural
and feminine forms of a listed term are matched too ("menteur" flags "menteuse").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import ForbiddenTerm

# Terms this short only take a plural "s": "rom" must not flag "Rome".
SHORT_TERM = 3
MAX_REPORTED = 5
_WORD = re.compile(r"[0-9a-z]+")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})

# Feminine and plural endings, from the longest: (ending, replacements).
_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("eur", ("euse", "euses", "rice", "rices")),
    ("eux", ("euse", "euses")),
    ("eau", ("eaux", "elle", "elles")),
    ("if", ("ive", "ives")),
    ("al", ("aux", "ale", "ales")),
    ("en", ("enne", "ennes")),
    ("on", ("onne", "onnes")),
    ("el", ("elle", "elles")),
    ("er", ("ere", "eres")),
    ("et", ("ette", "ettes")),
    ("s", ("sse", "sses")),
)


def normalize(text: str) -> str:
    """Lower case, no accents, ligatures spelt out."""
    text = (text or "").translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


def word_forms(word: str) -> frozenset[str]:
    """A listed word and its simple plural and feminine forms."""
    forms = {word, word + "s"}
    if len(word) <= SHORT_TERM:
        return frozenset(forms)
    # Always add "e"/"es": accents are stripped, so "élevé" -> "élevée" is "eleve" -> "elevee".
    forms.update({word + "e", word + "es"})
    for ending, replacements in _ENDINGS:
        if word.endswith(ending):
            stem = word[: -len(ending)]
            forms.update(stem + replacement for replacement in replacements)
            break
    return frozenset(forms)


@functools.lru_cache(maxsize=8)
def _index(rows: tuple[tuple[str, str], ...]) -> dict[str, list[tuple[str, str, tuple]]]:
    """First-word form -> [(term, category, forms of the following words)]."""
    index: dict[str, list[tuple[str, str, tuple]]] = {}
    for term, category in rows:
        term_words = words(term)
        if not term_words:
            continue
        rest = tuple(word_forms(w) for w in term_words[1:])
        for form in word_forms(term_words[0]):
            index.setdefault(form, []).append((term, category, rest))
    return index


def forbidden_terms_found(text: str, rows: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The listed (term, category) pairs the text contains, in order of appearance."""
    tokens = words(text)
    if not tokens:
        return []
    index = _index(tuple(sorted(rows)))
    found: list[tuple[str, str]] = []
    for position, token in enumerate(tokens):
        for term, category, rest in index.get(token, ()):
            if (term, category) in found:
                continue
            following = tokens[position + 1 : position + 1 + len(rest)]
            if len(following) == len(rest) and all(
                w in forms for w, forms in zip(following, rest, strict=True)
            ):
                found.append((term, category))
    return found


def active_terms() -> tuple[tuple[str, str], ...]:
    """One query for the whole list, whatever the length of the text."""
    return tuple(ForbiddenTerm.objects.filter(active=True).values_list("term", "category"))


def forbidden_term_messages(found: Iterable[tuple[str, str]]) -> list[str]:
    """For each (term, category) found, the sentence that names it and the rule:
    the one refusal message of a form, a service and an import alike."""
    labels = dict(ForbiddenTerm.Category.choices)
    return [
        _(
            "Le terme « %(term)s » n'est pas autorisé (%(category)s) : les informations "
            "saisies doivent être objectives, en relation avec la gestion du dossier, "
            "et ne pas porter atteinte à l'image de la personne."
        )
        % {"term": term, "category": labels.get(category, category)}
        for term, category in list(found)[:MAX_REPORTED]
    ]


def check_objectivity(text: str) -> None:
    """Refuse a text that contains a listed term, naming the term and the rule."""
    if not text or not text.strip():
        return
    found = forbidden_terms_found(text, active_terms())
    if found:
        raise ValidationError(
            [ValidationError(m, code="forbidden_term") for m in forbidden_term_messages(found)]
        )


def validate_objective(value: str) -> None:
    """Form-field validator: ``forms.CharField(validators=[validate_objective])``."""
    check_objectivity(value)


__all__ = [
    "check_objectivity",
    "forbidden_term_messages",
    "forbidden_terms_found",
    "normalize",
    "validate_objective",
]
