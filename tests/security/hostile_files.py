"""Files an uploader could send: the kinds evidence may be, and programs, pages and polyglots dressed as them."""

from __future__ import annotations

import zipfile
from io import BytesIO

from tests.security.helpers import PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
#: The old binary Office formats (.doc, .xls, .ppt) are OLE compound files.
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
_MACRO_TYPES = _TYPES.replace(
    b"/>", b"><Override ContentType='application/vnd.ms-word.document.macroEnabled.main+xml'/></Types>"
)


def office(main: str, *, parts: dict[str, bytes] | None = None, content_types: bytes = _TYPES) -> bytes:
    """An Office Open XML package: a ZIP with ``[Content_Types].xml``, the ``main`` part and ``parts``."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr(main, b"<document/>")
        for name, data in (parts or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = office("word/document.xml")
XLSX = office("xl/workbook.xml")
PPTX = office("ppt/presentation.xml")
#: What Word saves as .docm: a VBA project and a macro-enabled content type.
DOCM = office("word/document.xml", parts={"word/vbaProject.bin": OLE}, content_types=_MACRO_TYPES)
XLSM = office("xl/workbook.xml", parts={"xl/vbaProject.bin": OLE})
ACTIVEX = office("word/document.xml", parts={"word/activeX/activeX1.bin": OLE})
#: A ZIP that is no Office document (a Java archive, say).
JAR = office("META-INF/MANIFEST.MF").replace(b"[Content_Types].xml", b"[Content_Types].xmX")

#: (content, name) pairs that must be refused wherever they are sent; each name is shown as typed.
HOSTILE = [
    (ELF, "policy.pdf"),
    (EXE, "policy.pdf"),
    (EXE, "scan.png"),
    (EXE, "setup.exe"),
    (HTML, "policy.pdf"),
    (HTML, "notes.txt"),
    (HTML, "page.html"),
    (HTML, "page.htm"),
    (b"\xef\xbb\xbf" + HTML, "notes.txt"),
    (b"  \n<script>alert(1)</script>", "readme.md"),
    (b"id,name\n1,<script>alert(1)</script>\n", "data.csv"),
    (SVG, "photo.png"),
    (SVG, "drawing.svg"),
    (b'<?xml version="1.0"?><x/>', "data.txt"),
    ("<html><script>alert(1)</script></html>".encode("utf-16"), "notes.txt"),
    (b"plain text\x00\x01\x02 with binary", "notes.txt"),
    (PNG, "report.pdf"),
    (DOCM, "budget.docm"),
    (DOCM, "budget.docx"),
    (XLSM, "figures.xlsx"),
    (XLSM, "figures.xlsm"),
    (ACTIVEX, "form.docx"),
    (JAR, "tool.docx"),
    (JAR, "tool.jar"),
    (DOCX, "report.xlsx"),
    (OLE, "old.doc"),
    (OLE, "old.xls"),
    (OLE, "old.ppt"),
    # Polyglots: valid as one kind at the front, another behind or under another name.
    (PDF + HTML, "report.html"),
    (PDF + DOCX, "report.docx"),
    (GIF + b"/*" + HTML, "image.html"),
    (PNG + HTML, "image.svg"),
    (b"", "empty.pdf"),
    (b"", "empty.txt"),
]
