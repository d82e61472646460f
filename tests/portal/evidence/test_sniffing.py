"""The evidence allow-list: by extension and by content, documents only; names without invisible characters."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.evidence.sniffing import (
    DOCUMENTS,
    DOCX,
    PHOTOS,
    PPTX,
    XLSX,
    HasMacros,
    NotAllowed,
    NotWhatItsNameSays,
    Refused,
    checked_type,
    clean_filename,
)
from tests.security import hostile_files as f
from tests.security.helpers import PDF

ACCEPTED = [
    (PDF, "方針.pdf", "application/pdf"),
    (f.PNG, "入口.PNG", "image/png"),
    (f.JPEG, "door.jpg", "image/jpeg"),
    (f.JPEG, "door.jpeg", "image/jpeg"),
    (f.GIF, "chart.gif", "image/gif"),
    (f.WEBP, "rack.webp", "image/webp"),
    (f.DOCX, "規程.docx", DOCX),
    (f.XLSX, "台帳.xlsx", XLSX),
    (f.PPTX, "研修.pptx", PPTX),
    ("氏名,部署\n山田,総務\n".encode(), "名簿.csv", "text/csv"),
    ("\ufeff氏名,部署\r\n".encode(), "bom.csv", "text/csv"),
    ("氏名,部署\r\n山田,総務\r\n".encode("shift_jis"), "名簿_sjis.csv", "text/csv"),
    ("①②髙".encode("cp932"), "windows.txt", "text/plain"),
    (b"2026-04-01 10:00 login ok\n\tindented\f", "access.log", "text/plain"),
]


def judged(tmp_path: Path, content: bytes, name: str, allowed: dict[str, str] = DOCUMENTS) -> str:
    path = tmp_path / "upload"
    path.write_bytes(content)
    return checked_type(path, content[:8192], clean_filename(name), allowed)


@pytest.mark.parametrize(("content", "name", "expected"), ACCEPTED, ids=[a[1] for a in ACCEPTED])
def test_each_allowed_kind_is_accepted_as_what_its_content_is(tmp_path, content, name, expected):
    assert judged(tmp_path, content, name) == expected


@pytest.mark.parametrize(("content", "name"), [h for h in f.HOSTILE if h[0]], ids=[h[1] for h in f.HOSTILE if h[0]])
def test_programs_pages_macros_and_polyglots_are_refused(tmp_path, content, name):
    with pytest.raises(Refused):
        judged(tmp_path, content, name)


def test_the_refusal_says_why(tmp_path):
    with pytest.raises(NotAllowed):
        judged(tmp_path, f.EXE, "setup.exe")
    with pytest.raises(NotAllowed):
        judged(tmp_path, f.DOCM, "budget.docm")  # by its name, before anything is opened
    with pytest.raises(NotAllowed):
        judged(tmp_path, f.OLE, "old.xls")
    with pytest.raises(HasMacros):
        judged(tmp_path, f.DOCM, "budget.docx")
    with pytest.raises(NotWhatItsNameSays):
        judged(tmp_path, f.EXE, "policy.pdf")


def test_text_is_checked_to_its_end_not_only_its_first_bytes(tmp_path):
    assert judged(tmp_path, b"a,b\n" * 5000, "big.csv") == "text/csv"
    with pytest.raises(NotWhatItsNameSays):
        judged(tmp_path, b"a,b\n" * 5000 + f.EXE, "big.csv")


def test_photos_are_images_only(tmp_path):
    assert judged(tmp_path, f.PNG, "door.png", PHOTOS) == "image/png"
    for content, name in ((PDF, "door.pdf"), (f.DOCX, "door.docx"), (b"door", "door.txt")):
        with pytest.raises(NotAllowed):
            judged(tmp_path, content, name, PHOTOS)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # shown as "invoiceexe.pdf" with the override
        ("report\u200b.pdf", "report.pdf"),
        ("\ufeff\u2066規程\u2069.docx", "規程.docx"),
        ("a\u200e\u200fb\u061c\u00adc.txt", "abc.txt"),
        ("line\r\nbreak\x00\x1b.pdf", "linebreak.pdf"),
        ("\u3164\u115f.pdf", "pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_stored_names_lose_invisible_characters_and_folders(typed, kept):
    assert clean_filename(typed) == kept
