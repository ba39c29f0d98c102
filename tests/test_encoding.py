"""Bodies decode with the charset they really use, and always to valid text."""

from __future__ import annotations

import codecs

from blogarchive.crawler.encoding import decode_body

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

    from blogarchive.crawler.encoding import binary_share

    assert binary_share(random.Random(1).randbytes(10_000)) > 0.05  # an image or archive
    assert binary_share("<html><body><p>Crème brûlée\tand\r\ncafé</p></body></html>".encode("cp1252")) == 0
    assert binary_share(b"\xff\xfe" + "<p>sixteen bits</p>".encode("utf-16-le")) == 0  # NULs, but a BOM says text
    assert binary_share(b"") == 0


def test_a_stale_single_byte_declaration_over_utf8_bytes_is_overruled():
    """A template declares iso-8859-1 (or windows-1252) while the body is UTF-8: the
    text would be mojibake ("cafÃ©"). Valid UTF-8 with multi-byte characters is read
    as UTF-8; a body that is really in the declared charset keeps it."""
    html = '<html><head><meta charset="iso-8859-1"></head>' + FRENCH[6:]
    text, encoding, note = decode_body(html.encode("utf-8"), "text/html")
    assert "Crème brûlée" in text and encoding == "utf-8"
    assert note == "declared cp1252, decoded as utf-8 (the bytes are UTF-8)"
    text, encoding, note = decode_body(html.encode("cp1252"), "text/html")
    assert "Crème brûlée" in text and encoding == "cp1252" and note is None
    russian = '<html><head><meta charset="koi8-r"></head><body><p>Привет, мир</p></body></html>'
    assert decode_body(russian.encode("koi8-r"), "text/html")[1] == "koi8-r"


def test_a_declared_charset_that_is_no_text_codec_still_decodes():
    """`charset=idna` or `punycode` name codecs that refuse ordinary bytes: the body
    still decodes (and a page is never lost to its charset)."""
    for charset in ("idna", "punycode", "undefined"):
        for body in (b"<p>plain</p>", FRENCH.encode("utf-8"), FRENCH.encode("cp1252")):
            text, _, _ = decode_body(body, f"text/html; charset={charset}")
            assert "plain" in text or "Cr" in text
