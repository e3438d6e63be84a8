"""The receipt (*quittance*) of a payment as a PDF, with fpdf2 like the letters."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from dossiers.templatetags.recouvrement import format_euros
from recouvrement.pdf import document, latin


def receipt_pdf(*, payment, allocations) -> bytes:
    dossier = payment.dossier
    pdf = document()
    pdf.set_title(latin(f"Quittance {payment.reference or payment.pk}"))
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=10)
    for index, line in enumerate(settings.LETTER_SENDER_LINES):
        if index == 1:
            pdf.set_font("Helvetica", size=10)
        pdf.cell(0, 5, latin(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 10, latin("Quittance"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    lines = [
        f"Dossier : {dossier.reference} — {dossier.name}",
        f"Paiement reçu le {payment.date:%d/%m/%Y} par {payment.get_mode_display().lower()}",
        f"Montant : {format_euros(payment.amount)}",
    ]
    if payment.reference:
        lines.append(f"Référence du paiement : {payment.reference}")
    for line in lines:
        pdf.cell(0, 7, latin(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if allocations:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(60, 7, latin("Facture"), border="B")
        pdf.cell(40, 7, latin("Montant réglé"), border="B", align="R")
        pdf.cell(40, 7, latin("Reste dû"), border="B", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        for allocation in allocations:
            pdf.cell(60, 7, latin(allocation.receivable.number))
            pdf.cell(40, 7, latin(format_euros(allocation.amount)), align="R")
            pdf.cell(
                40,
                7,
                latin(format_euros(allocation.receivable.balance)),
                align="R",
                new_x="LMARGIN",
                new_y="NEXT",
            )
    if payment.unallocated:
        pdf.ln(2)
        pdf.cell(
            0,
            7,
            latin(f"Avoir conservé sur le dossier : {format_euros(payment.unallocated)}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(8)
    pdf.multi_cell(
        0,
        6,
        latin(
            "Nous vous remercions de votre règlement, dont la présente quittance "
            f"vaut reçu. Fait le {timezone.localdate():%d/%m/%Y}."
        ),
    )
    return bytes(pdf.output())
