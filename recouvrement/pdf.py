"""The PDFs the product writes (letters, receipts, access exports): fpdf2 with its
core fonts, A4, in windows-1252 (which has every French character: œ, Œ, €, «, »).

fpdf2 and what it loads take about 30 MB and a third of a second to import: it is
loaded by the first PDF a process writes, not by every process that starts (the
web workers, the reminders' worker, each import command and its parsing child).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF


def latin(text) -> str:
    """``text`` as the core fonts can write it (narrow and no-break spaces as spaces,
    a character outside windows-1252 as « ? »)."""
    return (
        str(text or "")
        .replace("\u00a0", " ")
        .replace("\u202f", " ")
        .encode("windows-1252", "replace")
        .decode("windows-1252")
    )


def document(
    *, footer: str = "", footer_y: float = -14, margins: float = 20, bottom: float = 20
) -> FPDF:
    """A new A4 portrait document, in millimetres; ``footer``: the line at the foot of
    every page, followed by « page N/M »."""
    pdf = _document_class()(orientation="P", unit="mm", format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.footer_text = footer
    pdf.footer_y = footer_y
    pdf.set_auto_page_break(auto=True, margin=bottom)
    pdf.set_margins(margins, margins, margins)
    return pdf


@functools.cache
def _document_class() -> type[FPDF]:
    from fpdf import FPDF

    class Document(FPDF):
        footer_text = ""
        footer_y = -14.0

        def footer(self):
            if not self.footer_text:
                return
            self.set_y(self.footer_y)
            self.set_font("Helvetica", size=8)
            self.set_text_color(110)
            self.cell(0, 5, latin(f"{self.footer_text} — page {self.page_no()}/{{nb}}"), align="C")
            self.set_text_color(0)

    return Document
