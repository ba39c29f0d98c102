"""The hostile site of tests/test_hostile.py, crawled once with the default settings
and measured: wall time, CPU and peak memory of the whole process tree, and each
URL's outcome. `--limits` crawls with the test-sized bounds the other tests use.

    .venv/bin/python benchmarks/hostile.py [--limits]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from measure import run  # noqa: E402

from blogarchive.archive.reader import read_fetches  # noqa: E402
from blogarchive.crawler.demo.server import SiteServer  # noqa: E402
from tests.test_hostile import LIMITS, ROUTES  # noqa: E402

BIN = Path(sys.executable).parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, SiteServer(routes=ROUTES) as site:
        allow = [arg for host in ("localhost", "169.254.169.254", "10.0.0.1") for arg in ("--allow-host", host)]
        limits = LIMITS if "--limits" in sys.argv[1:] else []
        m = run([str(BIN / "blogarchive"), "crawl", site.url("/"), "--out", tmp, *allow, *limits])
        rows = read_fetches(tmp).to_pylist()
    print(f"exit {m.returncode}, {m.seconds:.1f} s, {m.cpu_seconds:.1f} CPU s, peak {m.peak_mb:.0f} MB (process tree)")
    print(m.stdout.strip())
    for row in sorted(rows, key=lambda r: r["url"]):
        url = row["url"].replace(site.base_url, "")
        url = url if len(url) < 70 else url[:67] + "..."
        print(f"| {url} | {row['outcome']} | {(row['reason'] or '')[:90]} |")


if __name__ == "__main__":
    main()
