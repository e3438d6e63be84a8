"""Findings 7 and 11 (issue 14): zip bombs (a DOCX piece, an XLSX import), a PDF that
runs JavaScript, markup after the first 8 KiB of a text."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from pieces.validation import inspect_file
from tests.imports.test_contacts import HEADER, row
from tests.pieces import samples

pytestmark = pytest.mark.django_db

BOMB_MEMBER = 12 * 1024 * 1024  # 12 MB of zeros: a few KB once deflated


def docx_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", samples.CONTENT_TYPES)
        archive.writestr("_rels/.rels", b"<Relationships/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(BOMB_MEMBER >> 20):
                member.write(chunk)
    return out.getvalue()


def refusal(name: str, content: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        inspect_file(name=name, stream=io.BytesIO(content))
    return caught.value


def test_a_docx_zip_bomb_is_refused_before_it_is_opened():
    content = docx_bomb()
    assert len(content) < 100_000
    error = refusal("contrat.docx", content)
    assert error.code == "zip_bomb"
    assert "décompress" in error.messages[0]


def test_an_ordinary_docx_is_still_accepted():
    assert inspect_file(name="contrat.docx", stream=io.BytesIO(samples.docx())).kind.label


def test_an_xlsx_whose_strings_expand_hugely_is_refused_before_openpyxl_reads_it(
    tmp_path, run_import
):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(row())
    plain = tmp_path / "plain.xlsx"
    workbook.save(plain)
    bomb = tmp_path / "contacts.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != "xl/sharedStrings.xml":
                out.writestr(info, source.read(info))
        with out.open("xl/sharedStrings.xml", "w") as member:
            member.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            member.write(b"<si><t>" + b"A" * BOMB_MEMBER + b"</t></si></sst>")
    run = run_import("import_contacts", bomb)
    assert not run.ok
    assert "xl/sharedStrings.xml" in run.err and "décompress" in run.err


PDF_JS = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 3 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"3 0 obj<</S/JavaScript/JS(app.alert\\(1\\))>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf_with_compressed_javascript() -> bytes:
    import zlib

    hidden = zlib.compress(b"<</S/JavaScript/JS(app.alert\\(1\\))>>")
    return (
        b"%PDF-1.5\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"3 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length "
        + str(len(hidden)).encode()
        + b">>stream\n"
        + hidden
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


@pytest.mark.parametrize(
    "content",
    [
        PDF_JS,
        PDF_JS.replace(b"/JavaScript", b"/J#61vaScript"),
        pdf_with_compressed_javascript(),
        samples.PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/Launch/F(x.exe)>>"),
    ],
)
def test_a_pdf_that_runs_code_is_refused(content):
    error = refusal("releve.pdf", content)
    assert error.code == "pdf_active"
    assert "PDF" in error.messages[0]


def test_an_ordinary_pdf_is_still_accepted():
    assert inspect_file(name="releve.pdf", stream=io.BytesIO(samples.PDF)).kind.label == "PDF"


def test_markup_after_the_first_8_kib_of_a_text_is_seen():
    content = b"Relev\xc3\xa9 de compte\n" * 1000 + b"<script>alert(1)</script>\n"
    assert len(content) > 8192
    error = refusal("notes.txt", content)
    assert error.code == "html"
