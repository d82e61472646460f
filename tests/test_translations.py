"""Every user-facing string is translatable, and the Japanese catalogue translates all of them."""

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_the_japanese_catalogue_covers_every_string_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    with (ROOT / "portal/translations/ja/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    translated = {m.id: m.string for m in catalog if m.id and not m.fuzzy}

    missing = sorted(str(i) for i in extracted if not _has_text(translated.get(i)))
    assert missing == [], f"{len(missing)} strings have no Japanese translation, e.g. {missing[:5]}"
    for msgid, msgstr in translated.items():
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        strs = msgstr if isinstance(msgstr, tuple) else (msgstr,)
        for text in strs:
            assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(ids[-1])), msgid


def _has_text(value):
    if isinstance(value, tuple):
        return all(value)
    return bool(value)
