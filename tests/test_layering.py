"""The archive library knows nothing of Scrapy, and the right top-level packages are imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_archive_imports_without_scrapy_or_twisted():
    code = "import sys, archive, archive.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_generic_package_names_resolve_to_this_project():
    import archive
    import crawler
    import pipelines

    for module in (archive, crawler, pipelines):
        assert Path(module.__file__).resolve().parent.parent == ROOT, module.__file__
