"""Sections from a checksheet's rows: heading rows at any depth, explanatory rows, or section columns."""

from __future__ import annotations

import re

from questionnaires.importers.row_rules import fold
from questionnaires.importers.sheet_walk import GENERAL_SECTION, _cell, _letter, _Level, _Walk, _whole
from questionnaires.importers.table import normalise_id

_NUMBERED_TITLE = re.compile(r"^\s*([0-9０-９]+(?:[.\-－][0-9０-９]+)*)[.．、\s]")


def _heading(walk: _Walk, number: int, cells: list[str], raw_id: str, text: list[str]) -> bool:
    """Open a section when the row is a heading; False for a question or continuation row."""
    headings = walk.rules.headings
    assert headings is not None
    title_cell = _cell(walk, cells, headings.title) if headings.title is not None else ""
    level: int | None = None
    if headings.level is not None and (marker := fold(_cell(walk, cells, headings.level))):
        level = headings.level_values.get(marker)
        if level is None:
            walk.problems.add(
                "heading_level",
                key="headings.level.values",
                row=number,
                column=_letter(walk, headings.level),
                value=marker,
            )
            return True
    elif headings.depth is not None and (depth := _cell(walk, cells, headings.depth)):
        level = _whole(depth)
        if level is None:
            walk.problems.add(
                "depth", key="headings.depth", row=number, column=_letter(walk, headings.depth), value=depth
            )
            return True
    title_is_text = headings.title is None or headings.title in walk.mapping.text
    if title_is_text:
        title_cell = "\n".join(text)
    merged_across = bool(text) and raw_id == "\n".join(text)  # a title merged across the row
    numbered_only = not text and bool(raw_id)  # 「1」 with its title in another column, or the number alone
    untitled_id = not raw_id and bool(title_cell) and (title_is_text or not text)
    if level is None and not (merged_across or numbered_only or untitled_id):
        return False
    title = title_cell or "\n".join(text) or raw_id
    numbered = _NUMBERED_TITLE.match(title) or _NUMBERED_TITLE.match(raw_id + " ")
    if level is None:
        level = len(normalise_id(numbered.group(1)).replace(".", "-").split("-")) if numbered else 1
    del walk.path[level - 1 :]
    walk.sections_made += 1
    walk.path.append(_Level(" ".join(title.split()), f"sec-{walk.sections_made}"))
    return True


def _explain(walk: _Walk, text: str) -> None:
    if not text:
        return
    if walk.path:
        walk.path[-1].description.append(text)
    else:
        walk.descriptions.setdefault(GENERAL_SECTION, []).append(text)


def _section(walk: _Walk, number: int, cells: list[str], item_id: str) -> str | None:
    if walk.rules.headings is not None:
        if not walk.path:
            walk.titles.setdefault(GENERAL_SECTION, "")
            return GENERAL_SECTION
        section_id = walk.path[-1].id
        walk.titles.setdefault(section_id, " / ".join(level.title for level in walk.path))
        walk.descriptions.setdefault(section_id, walk.path[-1].description)
        return section_id
    return _column_section(walk, number, cells, item_id)


def _column_section(walk: _Walk, number: int, cells: list[str], item_id: str) -> str | None:
    """The innermost section level's id from the section columns; its title joins every level's title."""
    mapping = walk.mapping
    segments = item_id.split(mapping.id_separator)
    level_ids: list[str] = []
    titles: list[str] = []
    for depth, level in enumerate(mapping.sections, start=1):
        title_index = walk.columns[level.title]
        title = _cell(walk, cells, level.title) or walk.carried.get(title_index, "")
        walk.carried[title_index] = title
        if level.id is not None:
            id_index = walk.columns[level.id]
            level_id = normalise_id(_cell(walk, cells, level.id)) or walk.carried.get(id_index, "")
            walk.carried[id_index] = level_id
        elif level.segments is None and (depth, *titles, title) in walk.section_ids:
            level_id = walk.section_ids[(depth, *titles, title)]
        elif len(segments) > (count := level.segments or depth):
            level_id = mapping.id_separator.join(segments[:count])
        elif level.segments is None and title:
            # Ids too short to carry the section (1, 2, 2.1 under titled sections): the title names it.
            level_id = f"sec-{len(walk.section_ids) + 1}"
        else:
            walk.problems.add(
                "section_from_id",
                key=f"sections[{depth - 1}]",
                row=number,
                column=_letter(walk, mapping.id),
                value=item_id,
                found=len(segments),
                depth=depth,
            )
            return None
        if not level_id or not title:
            walk.problems.add(
                "no_section", key=f"sections[{depth - 1}]", row=number, column=_letter(walk, level.title), depth=depth
            )
            return None
        level_ids.append(level_id)
        if level.id is None and level.segments is None:
            walk.section_ids.setdefault((depth, *titles, title), level_id)
        if title not in titles:
            titles.append(title)
    section_id = level_ids[-1]
    walk.titles.setdefault(section_id, " / ".join(titles))
    return section_id
