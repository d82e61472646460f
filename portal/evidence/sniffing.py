"""What an uploaded file really is, judged from its first bytes; the name and browser's claim are ignored."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from io import BytesIO
from pathlib import PurePosixPath, PureWindowsPath

#: (magic prefix, MIME type) for the binary formats evidence usually comes in.
_MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # .doc / .xls of old Office
]
_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def sniff(head: bytes, path_for_zip: str | None = None) -> str | None:
    """The MIME type of an allowed kind of file, or None when the content is not one we accept."""
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04") and path_for_zip is not None:
        return _office_type(path_for_zip)
    if _is_text(head) and not _is_markup(head):
        return "text/plain"
    return None


_OFFICE = frozenset(_OOXML.values())
_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
#: What a file's extension promises; a known extension with other content is refused as misleading.
_PROMISES = {
    "pdf": frozenset({"application/pdf"}),
    **dict.fromkeys(("png", "jpg", "jpeg", "gif", "webp"), _IMAGES),
    **dict.fromkeys(("doc", "xls", "ppt"), frozenset({"application/x-ole-storage"})),
    **dict.fromkeys(("docx", "xlsx", "pptx"), _OFFICE),
    **dict.fromkeys(("txt", "csv", "log", "md"), frozenset({"text/plain"})),
}


def matches_name(content_type: str, filename: str | None) -> bool:
    """False when the name claims a kind of file the content is not (``report.pdf`` holding a program)."""
    suffix = PurePosixPath(clean_filename(filename)).suffix.lower().lstrip(".")
    promised = _PROMISES.get(suffix)
    return promised is None or content_type in promised


_MARKUP = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<script|<svg|<\?xml|<iframe)", re.IGNORECASE)


def _is_markup(head: bytes) -> bool:
    """HTML, SVG or XML would run scripts if a browser ever rendered it: not accepted as plain text."""
    return _MARKUP.match(head.lstrip(b"\xef\xbb\xbf")) is not None


def _office_type(path: str) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, mime in _OOXML.items():
        if any(name.startswith(prefix) for name in names):
            return mime
    return None


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        BytesIO(head).read().decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character may be cut at the end of the sample.
        try:
            head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]")


def clean_filename(name: str | None) -> str:
    """A display name: no folders, no control characters, not empty, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = _UNSAFE.sub("_", name).strip(" .")
    return (name or "file")[:200]
