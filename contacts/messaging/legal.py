"""Legal checks of message templates (French amicable collection for third parties).

- CPCE R124-4: the first letter a third-party collector sends the debtor carries
  mentions, checked when the template is saved; ``first_letter_missing`` names the
  missing ones.
- CPCE L111-8: collection costs incurred without an enforceable title stay with the
  creditor, so no template may add « frais de recouvrement » to the amount due
  (``collection_costs_error``); quoting the article itself is allowed (and required
  in the first letter).

The checks read the text the way a person would: case, accents, apostrophes and
line breaks do not matter.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

#: The sentence of CPCE L111-8 the first letter reproduces, as the administrator
#: should paste it; its key words are what the check looks for.
L111_8_TEXT = (
    "Les frais de recouvrement entrepris sans titre exécutoire restent à la charge du "
    "créancier, sauf s'ils concernent un acte dont l'accomplissement est prescrit par la "
    "loi au créancier. Toute stipulation contraire est réputée non écrite, sauf "
    "disposition législative contraire."
)


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("’", "'").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text)


def _has_placeholder(text: str, *names: str) -> bool:
    return any(re.search(r"\{\{\s*" + name + r"\s*\}\}", text) for name in names)


def _words(text: str, *words: str) -> bool:
    return all(word in text for word in words)


L111_8_KEY = _plain("restent à la charge du créancier")
L111_8_SECOND = _plain("réputée non écrite")

# (label, test on the raw text, test on the plain text)
FIRST_LETTER_MENTIONS = [
    (
        _("l'identité du créancier (variable {{ creancier }})"),
        lambda raw, plain: _has_placeholder(raw, "creancier"),
    ),
    (
        _("l'exercice d'une activité de recouvrement amiable (« recouvrement amiable »)"),
        lambda raw, plain: "recouvrement amiable" in plain,
    ),
    (
        _("le fondement de la dette (variable {{ factures }})"),
        lambda raw, plain: _has_placeholder(raw, "factures"),
    ),
    (
        _(
            "le montant dû (variable {{ encours }}) détaillé en principal, intérêts et autres "
            "accessoires (les mots « principal », « intérêts » et « accessoires »)"
        ),
        lambda raw, plain: (
            _has_placeholder(raw, "encours")
            and _words(plain, "principal", "interets", "accessoires")
        ),
    ),
    (
        _("la demande de payer (« payer » ou « régler ») et ses modalités (« modalités »)"),
        lambda raw, plain: ("payer" in plain or "regler" in plain) and "modalites" in plain,
    ),
    (
        _(
            "la reproduction de l'article L. 111-8 du code des procédures civiles d'exécution "
            "(« … restent à la charge du créancier … réputée non écrite … »)"
        ),
        lambda raw, plain: L111_8_KEY in plain and L111_8_SECOND in plain,
    ),
]


def first_letter_missing(text: str) -> list[str]:
    """The R124-4 mentions that ``text`` (subject and body) lacks."""
    plain = _plain(text)
    return [str(label) for label, test in FIRST_LETTER_MENTIONS if not test(text, plain)]


def collection_costs_error(text: str) -> str | None:
    """A reason when the text charges collection costs to the debtor (L111-8)."""
    plain = _plain(text)
    # The article's own sentence speaks of those costs to say they stay with the
    # creditor: take it out before looking.
    for sentence in re.split(r"(?<=[.!?;])\s+|\n", plain):
        if "frais de recouvrement" in sentence and L111_8_KEY not in sentence:
            return str(
                _(
                    "Les frais de recouvrement restent à la charge du créancier (CPCE L. 111-8) : "
                    "aucun modèle ne peut les ajouter au montant dû."
                )
            )
    return None
