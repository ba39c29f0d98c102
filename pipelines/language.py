"""The language of a page's text: what it declares, unless the text plainly says otherwise.

Themes declare `<html lang="en-US">` whatever their posts are written in, and SEO
plugins copy the site's setting into JSON-LD, so a declaration is a hint, not a
fact. py3langid (trafilatura's author's port of langid.py: 97 languages, no
network, ~0.5 ms a page) reads the text; its answer wins when the text is long
enough to judge and the model is confident, otherwise the declaration stands.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

__all__ = ["load_model", "text_language"]

logger = logging.getLogger(__name__)

#: shorter texts (a caption, a title-only page) keep what the page declares
MIN_CHARACTERS = 200
#: the model's probability above which the text's language overrides the declaration
CONFIDENT = 0.9
#: the text read for detection: its start says enough and keeps the cost flat
SAMPLE_CHARACTERS = 4000


@lru_cache(maxsize=1)
def load_model() -> LanguageIdentifier | None:
    """The model, loaded once per process on first use (0.8 s); None when it cannot be
    loaded: py3langid unpacks it (some 30 MB) into a temporary file, which a full TMPDIR
    refuses. Then every page keeps the language it declares."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    try:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    except OSError as exc:
        logger.warning(
            "language detection is off: its model cannot be loaded (%s); pages keep their declared language",
            exc.strerror or exc,
        )
        return None


def text_language(text: str, declared: str | None) -> str | None:
    """An ISO 639 code for `text`; `declared` is the page's own (already normalised)."""
    if len(text) < MIN_CHARACTERS or (model := load_model()) is None:
        return declared
    detected, probability = model.classify(text[:SAMPLE_CHARACTERS])
    if probability < CONFIDENT or detected == declared:
        return declared
    return detected
