"""Which files are accepted as evidence: an allow-list by extension, each checked against the content.

A file is kept only when its name ends in an allowed extension and its content is that kind of file; the
browser's claimed type is ignored. Documents, not programs: Office files with macros or ActiveX controls,
the old binary Office formats (.doc/.xls/.ppt, whose VBA and Excel 4.0 macros cannot be ruled out without
parsing the whole format), HTML, SVG and executables are refused whatever they are named.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath

from portal.text_input import without_invisible

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

#: Extension → the type its content must be. Everything else is refused.
DOCUMENTS: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": DOCX,
    "xlsx": XLSX,
    "pptx": PPTX,
    "txt": "text/plain",
    "csv": "text/csv",
    "log": "text/plain",
}
PHOTOS: dict[str, str] = {extension: DOCUMENTS[extension] for extension in ("png", "jpg", "jpeg", "gif", "webp")}

_MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]
#: The part each Office Open XML document must have.
_OOXML_MAIN = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml", PPTX: "ppt/presentation.xml"}
#: Parts holding code: VBA projects (also in a file renamed from .docm/.xlsm/.pptm) and ActiveX controls.
_CODE_PART = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml|activeX/)", re.IGNORECASE)
_MAX_CONTENT_TYPES = 1024 * 1024
#: A browser that ignored the type would render these; IE sniffed the first 256 bytes for them.
_MARKUP = re.compile(rb"<(!doctype|html|head|body|script|svg|iframe|\?xml)\b", re.IGNORECASE)
#: C0 controls other than tab, line feed, form feed and carriage return: binary, not text.
_BINARY = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


class Refused(Exception):
    """The file is not accepted; the subclass says why."""


class NotAllowed(Refused):
    """Not one of the allowed kinds, by its name or its content."""


class NotWhatItsNameSays(Refused):
    """An allowed extension whose content is some other kind of file."""


class HasMacros(Refused):
    """An Office document carrying macros or ActiveX controls."""


def checked_type(path: Path, head: bytes, filename: str, allowed: dict[str, str]) -> str:
    """The MIME type to store and serve the file at ``path`` (its first bytes ``head``) under, or ``Refused``.

    ``filename`` is the cleaned name (:func:`clean_filename`), whose extension is what people will see.
    """
    expected = allowed.get(PurePosixPath(filename).suffix.lower().lstrip("."))
    if expected is None:
        raise NotAllowed()
    if expected in _OOXML_MAIN:
        # A ZIP is read from its end, so anything could sit in front of one: an Office file starts as one.
        if not head.startswith(b"PK\x03\x04"):
            raise NotWhatItsNameSays()
        _check_office(path, expected)
    elif expected.startswith("text/"):
        if not _is_text(path, head):
            raise NotWhatItsNameSays()
    elif _binary_type(head) != expected:
        raise NotWhatItsNameSays()
    return expected


def _binary_type(head: bytes) -> str | None:
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _check_office(path: Path, expected: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" not in names or _OOXML_MAIN[expected] not in names:
                raise NotWhatItsNameSays()
            with archive.open("[Content_Types].xml") as part:
                content_types = part.read(_MAX_CONTENT_TYPES)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        raise NotWhatItsNameSays() from None
    if any(_CODE_PART.search(name) for name in names) or b"macroenabled" in content_types.lower():
        raise HasMacros()


def _is_text(path: Path, head: bytes) -> bool:
    """The whole file decodes as UTF-8 or as Shift_JIS (Windows' cp932), holds no binary control
    characters, and does not start as HTML, SVG or XML."""
    if _MARKUP.search(head[:1024]):
        return False
    for encoding in ("utf-8-sig", "cp932"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1024 * 1024):
                    if _BINARY.search(decoder.decode(chunk)):
                        return False
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return True
    return False


_UNSAFE = re.compile(r"[<>:\"/\\|?*]")


def clean_filename(name: str | None) -> str:
    """A display name: no folders, no control or invisible characters (a right-to-left override shows
    ``invoice[U+202E]fdp.exe`` as ``invoiceexe.pdf``), not empty, at most 200 characters with its extension."""
    name = unicodedata.normalize("NFC", without_invisible(name or ""))
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = _UNSAFE.sub("_", name).strip(" .") or "file"
    suffix = PurePosixPath(name).suffix[:10]
    return name if len(name) <= 200 else name[: 200 - len(suffix)] + suffix
