"""Letters as PDF (fpdf2, pure Python), laid out for a French windowed envelope.

A4 folded in three into a DL (110 × 220 mm) or C5/6 envelope with the window on
the right (La Poste): the recipient's address sits in the window zone, 100 to
190 mm from the left edge and 45 to 85 mm from the top; the sender's block stays
top left, above the fold. Then place and date, reference, subject and body.

fpdf2's core fonts cover windows-1252, which has every French character (œ, Œ, €,
’, « »); anything else is replaced rather than failing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import formats

from recouvrement.pdf import document, latin

MM_LEFT = 20
WINDOW_X = 110
WINDOW_Y = 50
WINDOW_W = 80
WINDOW_H = 35


@dataclass(frozen=True)
class Letter:
    sender_lines: list[str]
    recipient_lines: list[str]  # name first, then the address lines (at most 6 + name)
    place: str
    date: datetime.date
    reference: str
    subject: str
    body: str
    signature: str


def letter_pdf(letter: Letter) -> bytes:
    pdf = document(footer=f"Réf. {letter.reference}", margins=MM_LEFT)
    pdf.set_title(latin(letter.subject))
    pdf.set_author(latin(letter.sender_lines[0] if letter.sender_lines else ""))
    pdf.add_page()

    # Sender, top left.
    pdf.set_xy(MM_LEFT, 18)
    pdf.set_font("Helvetica", style="B", size=10)
    for index, line in enumerate(letter.sender_lines):
        if index == 1:
            pdf.set_font("Helvetica", size=10)
        pdf.set_x(MM_LEFT)
        pdf.cell(80, 5, latin(line), new_x="LMARGIN", new_y="NEXT")

    # Recipient, in the envelope window (uppercase last line, as the postal norm asks).
    pdf.set_font("Helvetica", size=11)
    pdf.set_xy(WINDOW_X, WINDOW_Y)
    lines = letter.recipient_lines[:7]
    for index, line in enumerate(lines):
        pdf.set_x(WINDOW_X)
        text = line.upper() if index == len(lines) - 1 else line
        pdf.cell(WINDOW_W, 5, latin(text), new_x="LEFT", new_y="NEXT")

    # Place and date, reference, subject.
    pdf.set_xy(WINDOW_X, WINDOW_Y + WINDOW_H + 10)
    date_text = formats.date_format(letter.date, "j F Y")
    pdf.cell(WINDOW_W, 5, latin(f"{letter.place}, le {date_text}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(WINDOW_Y + WINDOW_H + 22)
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 5, latin(f"Réf. dossier : {letter.reference}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", style="B", size=11)
    pdf.multi_cell(0, 5.5, latin(f"Objet : {letter.subject}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    # Body.
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 5.5, latin(letter.body), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_x(WINDOW_X)
    pdf.cell(WINDOW_W, 5.5, latin(letter.signature), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
