"""When a page is rendered in a browser, and which result is kept: pure rules over the
static page and its extraction, so they are tested without a browser.

A page is fetched statically first. `auto` renders it too, if it has a script and is
under 2 MB, when its static extraction found no main text; or fewer than 50 words; or
fewer than 200 words on a page that shows the marks of a client-rendered shell (an empty
application root with script bundles, a `<noscript>` asking for JavaScript). `always`
renders every HTML page. The rendered result is kept when it has main text and (in
`auto`) more words than the static one.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil

__all__ = [
    "RENDER_META",
    "RENDER_MODES",
    "browser_problem",
    "find_browser",
    "keep_rendered",
    "render_reason",
    "shell_marks",
]

RENDER_MODES = ("never", "auto", "always")
#: the meta key of a request the browser renders: {"body": the static body (bytes), "status": int,
#: "refers_to": the WARC-Record-ID of the page's response, or None}
RENDER_META = "render"
#: static text of fewer words than this, on a page with scripts, is thin
THIN_WORDS = 50
#: a page of more characters than this is not rendered by `auto` (a generated page of
#: 100,000 links kept a browser busy for its whole timeout and at 900 MB)
RENDER_MAX_CHARS = 2_000_000
#: the marks of a client-rendered shell are read only on a page of fewer static words
SHELL_WORDS = 200
#: the browsers tried, in order, when RENDER_BROWSER names none
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: an application root left empty for script to fill: `<div id="root"></div>`, `#app`,
#: `#__next`, `#__nuxt`, `#___gatsby`, `<app-root>`
_EMPTY_ROOT = re.compile(
    r"<(?:div|main|section)\b[^>]*\bid\s*=\s*[\"']?(?:root|app|__next|__nuxt|___gatsby|svelte)[\"']?[^>]*>\s*"
    r"</(?:div|main|section)>|<app-root\b[^>]*>\s*</app-root>",
    re.IGNORECASE,
)
_SCRIPT = re.compile(r"<script\b", re.IGNORECASE)
_SCRIPT_SOURCE = re.compile(r"<script\b[^>]*\bsrc\s*=", re.IGNORECASE)
_NOSCRIPT = re.compile(r"<noscript\b[^>]*>(.*?)</noscript>", re.IGNORECASE | re.DOTALL)
_ASKS_FOR_SCRIPT = re.compile(r"javascript", re.IGNORECASE)


def shell_marks(html: str) -> str | None:
    """What marks `html` as a client-rendered shell, or None."""
    if _EMPTY_ROOT.search(html) and _SCRIPT_SOURCE.search(html):
        return "an empty application root and script bundles"
    for notice in _NOSCRIPT.findall(html):
        if _ASKS_FOR_SCRIPT.search(notice) and len(notice) < 2000:
            return "a <noscript> notice that asks for JavaScript"
    return None


def render_reason(mode: str, html: str, outcome: str, words: int) -> str | None:
    """Why the page (its static `html`, and the `outcome` and `words` of its static
    extraction) is rendered, or None when it is not."""
    if mode == "always":
        return "every page is rendered (--render always)"
    if mode != "auto":
        return None
    if outcome not in ("ok", "no_content") or outcome == "ok" and words >= SHELL_WORDS:
        return None  # its static text is a post; or the extractor failed, where a DOM fares no better
    if len(html) > RENDER_MAX_CHARS:
        return None  # a client-rendered shell is small; a page this large holds its text or is no post
    if not _SCRIPT.search(html):
        return None  # no script: the browser's DOM would be the page as served
    if outcome == "no_content":
        return "the static page has no main text"
    if words < THIN_WORDS:
        return f"the static page has {words} words and scripts"
    return shell_marks(html)


def keep_rendered(
    mode: str, static_outcome: str, static_words: int, rendered_outcome: str, rendered_words: int
) -> bool:
    """The documented rule: the rendered result is kept when it has main text and, in
    `auto`, more words than the static result (when that had text at all)."""
    if rendered_outcome != "ok":
        return False
    return mode == "always" or static_outcome != "ok" or rendered_words > static_words


def find_browser(setting: str | None) -> str | None:
    """The browser executable: RENDER_BROWSER (a path or a name on PATH), else the first
    of BROWSERS on PATH."""
    for name in [setting] if setting else BROWSERS:
        found = shutil.which(name) if os.sep not in name else (name if os.access(name, os.X_OK) else None)
        if found:
            return found
    return None


def browser_problem(setting: str | None) -> str | None:
    """Why pages cannot be rendered here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install 'blogarchive[render]')"
    if find_browser(setting) is None:
        wanted = setting or " or ".join(BROWSERS[:2])
        return f"no browser found ({wanted}; apt-get install chromium, or set RENDER_BROWSER)"
    return None
