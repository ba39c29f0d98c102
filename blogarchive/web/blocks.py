"""A page's clean text as blocks to show: headings, paragraphs, lists, quotes, code and
tables, from the text and its `line_kinds` (what each line was on the page).

Rows written before `line_kinds` existed (or with a list that does not fit the text)
still show their lists and tables: trafilatura writes list items as `- item` and table
rows as `| cell | cell |`, and those are read from the text itself.

Kinds are read from the archive and so are data: only the known ones are used, and the
template picks each element by name, never from a stored value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from blogarchive.pipelines.structure import BULLET, KINDS, PARAGRAPH, TABLE_ROW

__all__ = ["Block", "text_blocks"]

#: lines of one of these kinds in a row make one block
_RUNS = {"li": "list", "quote": "quote", "pre": "code", "table": "table"}
#: the row under a table's header: `|---|:--:|`
_TABLE_RULE = re.compile(r"^\|(\s*:?-+:?\s*\|)+$")


@dataclass(frozen=True)
class Block:
    """`kind`: `paragraph`, `heading` (with `level`, 2 to 6: the page's title is the 1),
    `list`, `quote`, `code` or `table` (with `rows`, and `header` when the first row is one)."""

    kind: str
    lines: tuple[str, ...] = ()
    level: int = 0
    rows: tuple[tuple[str, ...], ...] = ()
    header: bool = False


def text_blocks(text: str, kinds: Sequence[str] | None) -> list[Block]:
    lines = text.split("\n")
    if kinds is None or len(kinds) != len(lines):
        kinds = [_kind_from_text(line) for line in lines]
    blocks: list[Block] = []
    run: list[str] = []
    run_kind = ""
    for line, stored in zip(lines, kinds):
        kind = stored if stored in KINDS else PARAGRAPH
        grouped = _RUNS.get(kind, "")
        if run and grouped != run_kind:
            blocks.append(_run_block(run_kind, run))
            run = []
        run_kind = grouped
        if grouped:
            run.append(line)
        elif kind.startswith("h"):
            blocks.append(Block("heading", (line,), level=max(2, int(kind[1]))))
        elif line.strip():
            blocks.append(Block("paragraph", (line,)))
    if run:
        blocks.append(_run_block(run_kind, run))
    return blocks


def _kind_from_text(line: str) -> str:
    if BULLET.match(line):
        return "li"
    if TABLE_ROW.match(line.strip()):
        return "table"
    return PARAGRAPH


def _run_block(kind: str, lines: list[str]) -> Block:
    if kind == "list":
        return Block("list", tuple(BULLET.sub("", line) for line in lines))
    if kind == "table":
        return _table(lines)
    return Block(kind, tuple(lines))


def _table(lines: list[str]) -> Block:
    rows: list[tuple[str, ...]] = []
    header = False
    for line in lines:
        line = line.strip()
        if _TABLE_RULE.match(line):
            header = header or len(rows) == 1
            continue
        cells = line[1:-1].split("|") if TABLE_ROW.match(line) else [line]
        rows.append(tuple(cell.strip() for cell in cells))
    return Block("table", rows=tuple(rows), header=header)
