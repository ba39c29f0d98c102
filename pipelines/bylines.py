"""Author names out of bylines: pure functions over strings.

A byline as pages and trafilatura give it carries more than the name: a label
("By", "View all posts by"), a date ("• March 3, 2024", "Last updated"), a job title
run on after the name ("Senior Reporter"), pieces joined by "; ". The rules are by
byline structure and are written for English labels, the language of the bylines
they were measured on; a name they do not recognise is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from .metadata import unescaped

__all__ = ["clean_author", "is_date_line"]

#: a byline longer than this (characters) is no name: the regexes never see it
MAX_BYLINE = 300

_AUTHOR_LABEL = re.compile(
    r"^\s*(by|posted by|written by|author|authors|writer'?s picture|writer|admin|administrator|anonymous|unknown|"
    r"guest|staff|editor|name|published|posted|updated|reply|share|view (all|more) posts|read more|more posts)\s*:?\s*$",
    re.I,
)
#: labels before the name; "View all posts by" is WordPress's author link
_AUTHOR_PREFIX = re.compile(
    r"^\s*((post |article )?authors?|authored by|(posted|published|written|reviewed|words|photos) by|"
    r"(posted|published|updated) on|view all posts by|more (posts|articles) by|by)\s*:?\s+",
    re.I,
)
_WEEKDAY = r"((mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|wed|thu|fri|sat|sun)\.?,?\s+"
_MONTHS = (
    r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t|tember)?|oct(ober)?|"
    r"nov(ember)?|dec(ember)?"
)
#: a date: a month then a number, a number then a month, or digits with separators
_DATE = rf"(({_MONTHS})\.?\s+\d|\d{{1,4}}[-/.]\d{{1,2}}[-/.]\d{{1,4}}|\d{{1,2}}(st|nd|rd|th)?\s+({_MONTHS})\b)"
#: what bylines run on with after the name: a date, "Last updated", "Reviewed by", a
#: bullet or a pipe and what follows, a URL. A bare month name is no date ("Jan", "Mar",
#: "June" are names too)
_AUTHOR_TAIL = re.compile(
    rf"(\s*[•·|]\s.*|\s+(last\s+)?(updated|published|posted|modified|reviewed by)\b.*|\s+https?\b.*|"
    rf"\s*[;,]?\s+(on\s+)?({_WEEKDAY})?{_DATE}.*)$",
    re.I,
)
#: a date before the name: "March 3, 2024 by Jane Roe", "On 3 March 2024, Jane Roe"
#: a whole date: "March 3, 2024", "3 March 2024", "2024-03-03", "03/03/2024", "March 3"
_FULL_DATE = (
    rf"(({_WEEKDAY})?(({_MONTHS})\.?\s+\d{{1,2}}(st|nd|rd|th)?(,?\s+\d{{4}})?|"
    rf"\d{{1,2}}(st|nd|rd|th)?\s+({_MONTHS})\.?(,?\s+\d{{4}})?|"
    rf"\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}))"
)
_DATE_FIRST = re.compile(rf"^(on\s+)?{_FULL_DATE}\s*(,|\bby\b|[•·|–—-])?\s+", re.I)
#: a line that is a date and a time at most: "March 3, 2024", "12/03/2024 · 10:30"
_ONLY_A_DATE = re.compile(
    rf"^(on\s+)?{_FULL_DATE}(\s*([,·•|@-]|at)?\s*\d{{1,2}}[:.]\d{{2}}(\s*[ap]\.?m\.?)?)?\.?$", re.I
)
#: month abbreviations alone: a date's remains, not a name ("Dec", "Sept.")
_MONTH_ABBREVIATION = re.compile(r"^(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?$", re.I)
_DATELINE = re.compile(r"^(last\s+)?(updated|published|posted|modified)\b", re.I)
#: a job title run on after the name, without a comma: "Jane Roe Senior Reporter"
_ROLE_WORDS = (
    r"writer|reporter|editor|founder|co-founder|consultant|contributor|journalist|correspondent|columnist|"
    r"producer|analyst|specialist|attorney|lawyer|reviewer"
)
_ROLE = re.compile(
    r"\s+(((former|senior|junior|staff|contributing|managing|associate|assistant|chief|freelance|lead|guest|tech|news|"
    rf"features?)\s+)+(\w+\s+)?)?({_ROLE_WORDS})\b.*$",
    re.I,
)
#: what a later "; " piece of a byline is when it is no co-author: a title or credential
_NOT_A_NAME = re.compile(rf"\b({_ROLE_WORDS}|ceo|cto|md|dvm|phd|head)\b", re.I)


def is_date_line(line: str) -> bool:
    """Whether `line` is a date and little more ("March 3, 2024", "12/03/2024 · 10:30")."""
    return bool(_ONLY_A_DATE.match(line.strip(" •·|-–—")))


def _names_in_byline(text: str) -> list[str]:
    """The names of a byline whose parts are joined by "; " (as trafilatura joins them):
    the first part with a job title run on cut ("Jane Roe Senior Reporter"), then the
    parts that are names too, up to the first that is a title or credential ("MD")."""
    # labels and titles before the name go: "Staff Writer; Jane Roe", "Admin; Jane Roe"
    parts = text.split("; ")
    while len(parts) > 1 and (_AUTHOR_LABEL.match(parts[0]) or not _ROLE.sub("", " " + parts[0]).strip()):
        parts = parts[1:]
    first = _ROLE.sub("", parts[0]).strip(" ,;-–—")
    names = [first if " " in first else parts[0].strip()]  # "Jane Writer" is a name
    for part in parts[1:]:
        if not 0 < len(part.split()) <= 5 or _NOT_A_NAME.search(part) or any(c.isdigit() for c in part):
            break
        names.append(part.strip())
    return names


def clean_author(value: str | None, *, rejected: AbstractSet[str] = frozenset()) -> str | None:
    """An author name, or None for labels ("By", "Writer's picture"), dates, profile
    URLs and the names in `rejected` (commenters). The byline's tail ("• March 3",
    "Last updated") and a date before the name are cut, entities decoded, quotes and
    list brackets around the whole taken off."""
    if not value or len(value) > MAX_BYLINE:
        return None
    text = re.sub(r"\s+", " ", unescaped(value)).strip(" \t\n|·•,-–—\"'")
    if text.startswith("[") and text.endswith("]"):  # a list written out as a string: "['Jane Roe']"
        text = text[1:-1].strip(" \"'")
    # "Post author By Jane", "Posted on March 3, 2024 by Jane"
    while (unlabelled := _DATE_FIRST.sub("", _AUTHOR_PREFIX.sub("", text).strip()).strip()) != text:
        text = unlabelled
    text = _AUTHOR_TAIL.sub("", text).strip(" |·•,;-–—")
    text = ", ".join(_names_in_byline(text)) if text else ""
    if (
        not text
        or len(text) > 100
        or _AUTHOR_LABEL.match(text)
        or _ONLY_A_DATE.match(text)
        or _MONTH_ABBREVIATION.match(text)
        or _DATELINE.match(text)
    ):
        return None
    if (
        not any(c.isalpha() for c in text)
        or "://" in text
        or text.lower().startswith("www.")
        or "@" in text
        and " " not in text
    ):
        return None
    if text.lower() in {r.lower() for r in rejected}:
        return None
    return text
