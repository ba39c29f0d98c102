"""Settings given on the command line (`-s NAME=VALUE`), checked before anything runs.

A misspelt name would be silently ignored by Scrapy, and a value of the wrong type
would fail deep in the crawl with a traceback. Each name is checked against the
project's settings and Scrapy's defaults (with a suggestion for a near miss), and
each value is parsed the way Scrapy will parse it, by the type of the setting's
default: so what passes here is what the crawl gets.
"""

from __future__ import annotations

import difflib
import logging
from types import ModuleType
from typing import Any, Mapping

from scrapy.settings import BaseSettings, default_settings

from archive.errors import UsageError

__all__ = ["check_overrides", "known_settings"]


def _module_settings(module: ModuleType) -> dict[str, Any]:
    return {name: getattr(module, name) for name in dir(module) if name.isupper()}


def known_settings() -> dict[str, Any]:
    """Every setting name the crawl reads, with its default: Scrapy's, then the project's."""
    from crawler import settings as project

    return {**_module_settings(default_settings), **_module_settings(project)}


#: whole-number defaults of settings that are read as numbers of seconds (getfloat)
_SECONDS = ("DELAY", "TIMEOUT", "INTERVAL", "SECONDS", "AFTER")


def _parse(name: str, value: str, default: Any) -> None:
    """Parse `value` as Scrapy will for a setting whose default is `default`."""
    settings = BaseSettings({name: value})
    if isinstance(default, bool):
        settings.getbool(name)
    elif isinstance(default, int) and any(word in name for word in _SECONDS):
        settings.getfloat(name)
    elif isinstance(default, int):
        settings.getint(name)
    elif isinstance(default, float):
        settings.getfloat(name)
    elif isinstance(default, dict):
        settings.getdict(name)
    elif isinstance(default, (list, tuple)):
        settings.getlist(name)
    if name == "LOG_LEVEL" and not isinstance(logging.getLevelName(value.upper()), int):
        raise ValueError("a log level: DEBUG, INFO, WARNING, ERROR or CRITICAL")


def _expected(name: str, default: Any) -> str:
    if isinstance(default, int) and not isinstance(default, bool) and any(word in name for word in _SECONDS):
        return "a number of seconds"
    for kind, words in ((bool, "true or false"), (int, "a whole number"), (float, "a number"),
                        (dict, "a JSON object"), ((list, tuple), "a list (comma-separated or JSON)")):
        if isinstance(default, kind):
            return words
    return "a value of its type"


def check_overrides(overrides: Mapping[str, str]) -> dict[str, str]:
    """The overrides, unchanged, once every name is known and every value parses;
    UsageError (one line) for the first that does not."""
    known = known_settings()
    for name, value in overrides.items():
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UsageError(f"unknown setting {name}{hint}")
        default = known[name]
        try:
            _parse(name, value, default)
        except (ValueError, TypeError) as exc:
            expected = str(exc) if name == "LOG_LEVEL" else _expected(name, default)
            raise UsageError(f"setting {name}={value!r}: expected {expected}") from None
    return dict(overrides)
