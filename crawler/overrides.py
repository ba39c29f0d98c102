"""Settings given on the command line (`-s NAME=VALUE`), checked before anything runs.

A misspelt name would be silently ignored by Scrapy, and a value of the wrong type
would fail deep in the crawl with a traceback. Each name is checked against the
project's settings, Scrapy's defaults and the settings their code reads (with a
suggestion for a near miss), and each value is parsed by the type of its default, or, when
that fails, by the getters that read it in that code (`getint`, `getbool`, ...; the
source is read only then): so what passes here is what the crawl gets.
"""

from __future__ import annotations

import difflib
import logging
import math
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings, default_settings

from blogarchive.archive.errors import InvalidRequest
from blogarchive.pipelines.dates import parse_duration
from blogarchive.pipelines.rendering import RENDER_MODES

__all__ = ["check_overrides", "known_settings", "setting_reads"]


def _module_settings(module: ModuleType) -> dict[str, Any]:
    return {name: getattr(module, name) for name in dir(module) if name.isupper()}


def known_settings() -> dict[str, Any]:
    """Every setting name the crawl reads, with its default: Scrapy's, then the project's."""
    from . import settings as project

    return {**_module_settings(default_settings), **_module_settings(project)}


#: how code reads a setting: `settings.getint("NAME")`, `crawler.settings.getbool('NAME', ...)`, ...
_READ = re.compile(r"""\.get(bool|int|float|list|dict|dictorlist)\(\s*["']([A-Z][A-Z0-9_]+)["']""")
_GETTERS = ("bool", "int", "float", "list", "dict", "dictorlist")


@lru_cache(maxsize=1)
def setting_reads() -> dict[str, frozenset[str]]:
    """For each setting read with a typed getter in Scrapy's source or this project's, the
    getters that read it ("int", "float", ...): the types its value must parse as. The
    defaults alone mislead (TELNETCONSOLE_ENABLED defaults to 1 and is read as a bool)."""
    import scrapy

    from blogarchive import crawler, pipelines

    reads: dict[str, set[str]] = {}
    for package in (scrapy, crawler, pipelines):
        for path in Path(str(package.__file__)).parent.rglob("*.py"):
            for getter, name in _READ.findall(path.read_text(encoding="utf-8", errors="replace")):
                reads.setdefault(name, set()).add(getter)
    return {name: frozenset(getters) for name, getters in reads.items()}


def _parse(name: str, value: str, default: Any) -> str:
    """`value` as Scrapy will take it for setting `name`: parsed by every getter that reads
    the setting (one must succeed), else by the type of its default. ValueError if none can."""
    settings = BaseSettings({name: value})
    if name == "LOG_LEVEL":
        if not isinstance(logging.getLevelName(value.upper()), int):
            raise ValueError("a log level: DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value.upper()
    by_default = _type_getter(default)
    if by_default is None or _parses(settings, name, by_default):
        return value  # the common case, without reading any source
    getters = sorted(setting_reads().get(name) or {by_default}, key=_GETTERS.index)
    if any(_parses(settings, name, getter) for getter in getters):
        return value  # a setting read otherwise than its default suggests (TELNETCONSOLE_ENABLED = 1, read as a bool)
    raise ValueError(" or ".join(_EXPECTED[g] for g in getters))


def _parses(settings: BaseSettings, name: str, getter: str) -> bool:
    try:
        value = getattr(settings, f"get{getter}")(name)
    except (ValueError, TypeError):
        return False
    return getter != "float" or math.isfinite(value)  # no delay, timeout or interval is nan or inf


def _type_getter(default: Any) -> str | None:
    for kind, getter in ((bool, "bool"), (int, "int"), (float, "float"), (dict, "dict"), ((list, tuple), "list")):
        if isinstance(default, kind):
            return getter
    return None


_EXPECTED = {
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "list": "a list (comma-separated or JSON)",
    "dict": "a JSON object",
    "dictorlist": "a JSON object or list",
}


#: settings that take a duration as the options do: seconds, or 90s, 30m, 6h, 2d, 1w
DURATION_SETTINGS = frozenset({"CRAWL_REVISIT_AFTER"})

#: settings whose numbers are counts, sizes, delays or timeouts: never below 0 (a negative
#: timeout or interval raises deep inside Scrapy or Twisted; 0 requests at once never ends)
_NON_NEGATIVE = (
    "CRAWL_",
    "EXTRACTION_",
    "ARCHIVE_",
    "PROGRESS_",
    "DOWNLOAD_",
    "CONCURRENT_",
    "AUTOTHROTTLE_",
    "DNS",
    "RETRY_TIMES",
    "REDIRECT_MAX_TIMES",
    "METAREFRESH_MAXDELAY",
    "CLOSESPIDER_",
    "RENDER_",
)
#: (least, greatest) where a setting takes less or more than "0 or more"; None: no bound
BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "CONCURRENT_REQUESTS": (1, 1000),
    "CONCURRENT_REQUESTS_PER_DOMAIN": (1, 1000),
    "CONCURRENT_REQUESTS_PER_IP": (0, 1000),
    "CONCURRENT_ITEMS": (1, 1000),
    # delays and timeouts of a day or more are mistakes (1e308 held a crawl forever)
    "DOWNLOAD_DELAY": (0, 3600),
    "AUTOTHROTTLE_START_DELAY": (0, 3600),
    "AUTOTHROTTLE_MAX_DELAY": (0, 3600),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": (0.1, 1000),
    "DOWNLOAD_TIMEOUT": (0, 86400),
    "DNS_TIMEOUT": (0, 3600),
    "EXTRACTION_TIMEOUT": (0, 86400),
    # each worker holds a model and a page's tree (about 200 MB): a few per core at most
    "EXTRACTION_PROCESSES": (-1, 4 * (os.cpu_count() or 1)),
    "EXTRACTION_POOL_MIN_PAGES": (0, 1_000_000),
    "CRAWL_DEPTH": (-1, None),
    "RENDER_TIMEOUT": (1, 3600),
    "RENDER_MAX_PAGES": (1, 16),
    "ARCHIVE_ROW_GROUP_ROWS": (1, None),
    "ARCHIVE_FLUSH_ROWS": (1, None),
    "ARCHIVE_FLUSH_BYTES": (1, None),
    "ARCHIVE_WARC_MAX_BYTES": (1, None),
    # a similarity: below one half the bands find few of the pairs, and "near" means little
    "NEAR_DUPLICATE_THRESHOLD": (0.5, 1),
}


#: settings that take one of a few words
CHOICES: dict[str, tuple[str, ...]] = {"CRAWL_RENDER": RENDER_MODES}


def _bounds(name: str) -> tuple[float | None, float | None] | None:
    if name in BOUNDS:
        return BOUNDS[name]
    return (0, None) if name.startswith(_NON_NEGATIVE) else None


def _check_bounds(name: str, value: str, getter: str | None) -> None:
    """ValueError (what the setting takes) for a number out of the setting's bounds."""
    bounds = _bounds(name)
    if bounds is None or getter not in ("int", "float"):
        return
    number = float(value)
    least, greatest = bounds
    if (least is not None and number < least) or (greatest is not None and number > greatest):
        span = f"from {least:g}" + (f" to {greatest:g}" if greatest is not None else " up")
        raise ValueError(f"a number {span}")


def _check_duration(value: str) -> None:
    """ValueError (what the setting takes) for a value that is not a duration as the options take it."""
    try:
        parse_duration(value)
    except ValueError:
        raise ValueError("a duration: seconds, or 90s, 30m, 6h, 2d, 1w, at most a century") from None


def _check_proxies(value: str) -> None:
    """CRAWL_HOST_PROXIES: host -> http(s) proxy URL."""
    for host, proxy in BaseSettings({"P": value}).getdict("P").items():
        if not isinstance(proxy, str) or urlsplit(proxy).scheme not in ("http", "https"):
            raise ValueError(f'a JSON object of host -> proxy URL, like {{"{host}": "http://127.0.0.1:3128"}}')


def check_overrides(overrides: Mapping[str, str]) -> dict[str, str]:
    """The overrides once every name is known and every value parses (a log level is
    upper-cased, as Scrapy needs it); InvalidRequest (one line) for the first that does not."""
    known = known_settings()
    checked = {}
    for name, value in overrides.items():
        if name not in known and name not in setting_reads():  # read the source only for a name not in the defaults
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise InvalidRequest(f"unknown setting {name}{hint}")
        try:
            if name in DURATION_SETTINGS:
                _check_duration(value)
                checked[name] = value
                continue
            checked[name] = _parse(name, value, known.get(name))
            _check_bounds(name, value, _type_getter(known.get(name)))
            if name == "CRAWL_HOST_PROXIES":
                _check_proxies(value)
            if name in CHOICES and checked[name] not in CHOICES[name]:
                raise ValueError("one of " + ", ".join(CHOICES[name]))
        except ValueError as exc:
            raise InvalidRequest(f"setting {name}={value!r}: expected {exc}") from None
    return checked
