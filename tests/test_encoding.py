"""Bodies decode with the charset they really use, and always to valid text."""

from __future__ import annotations

import codecs

from crawler.encoding import decode_body

FRENCH = "<html><body><p>Crème brûlée et café noir, une crêpe et un thé à la fenêtre.</p></body></html>"


def test_declared_charset_that_fits_is_used():
    text, encoding, note = decode_body(FRENCH.encode("cp1252"), "text/html; charset=windows-1252")
    assert text == FRENCH and encoding == "cp1252" and note is None


def test_header_that_lies_is_overruled_and_noted():
    text, encoding, note = decode_body(FRENCH.encode("cp1252"), "text/html; charset=utf-8")
    assert text == FRENCH
    assert encoding == "cp1252"
    assert note == "declared utf-8, decoded as cp1252"


def test_meta_charset_is_used_when_the_header_has_none():
    html = '<html><head><meta charset="koi8-r"></head><body><p>Привет, мир</p></body></html>'
    text, encoding, _ = decode_body(html.encode("koi8-r"), "text/html")
    assert "Привет, мир" in text and encoding == "koi8-r"


def test_bom_wins():
    text, encoding, _ = decode_body(codecs.BOM_UTF8 + FRENCH.encode(), "text/html; charset=iso-8859-1")
    assert text == FRENCH and encoding == "utf-8"


def test_undeclared_utf8():
    assert decode_body(FRENCH.encode(), None)[0] == FRENCH


def test_garbage_still_decodes():
    text, _, _ = decode_body(bytes(range(256)) * 4, "text/html; charset=utf-8")
    assert isinstance(text, str) and text.encode("utf-8")


def test_binary_bodies_are_told_from_text():
    import random

    from crawler.encoding import binary_share

    assert binary_share(random.Random(1).randbytes(10_000)) > 0.05  # an image or archive
    assert binary_share("<html><body><p>Crème brûlée\tand\r\ncafé</p></body></html>".encode("cp1252")) == 0
    assert binary_share(b"\xff\xfe" + "<p>sixteen bits</p>".encode("utf-16-le")) == 0  # NULs, but a BOM says text
    assert binary_share(b"") == 0
