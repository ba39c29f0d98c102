"""The one table of outcomes (archive/outcomes.py): every list of outcomes derives from it."""

from __future__ import annotations

import re
from pathlib import Path

from blogarchive.archive.outcomes import OUTCOMES, PROBLEMS, Family
from blogarchive.archive.schema import FETCHES_SCHEMA
from blogarchive.crawler.extensions.progress import progress_line

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_family_table_matches_the_outcomes_table():
    readme = (ROOT / "README.md").read_text()
    for family in Family:
        row = re.search(rf"^\| `{family.value}` \| (.+?) \|", readme, re.MULTILINE)
        assert row, family
        listed = set(re.findall(r"`([a-z_]+)`", row.group(1)))
        assert listed == {name for name, o in OUTCOMES.items() if o.family is family}, family


def test_the_schema_names_every_outcome():
    description = FETCHES_SCHEMA.field("outcome").metadata[b"description"].decode()
    assert all(name in description for name in OUTCOMES)


def test_the_progress_line_counts_every_error_and_refusal_as_an_error():
    stats = {f"archive/outcome/{name}": 1 for name in OUTCOMES}
    stats["response_received_count"] = 10
    line = progress_line(stats, elapsed=2.0)
    assert f"errors {len(PROBLEMS)}" in line
    assert {"blocked", "trap", "parse_error", "extract_timeout"} <= PROBLEMS
    assert not {"stored", "unchanged", "not_modified", "duplicate", "redirected", "discovered", "gone"} & PROBLEMS
    assert line.startswith("fetched 10 · stored 1 · ")
