"""Decode a response body with the charset it really uses.

Order: byte-order mark; UTF-8 where a single-byte charset is declared but the body
is valid UTF-8 with multi-byte characters (a template's stale `iso-8859-1`: text in
such a charset is almost never valid UTF-8 by chance); the declared charsets (HTTP
header, then <meta>) where the body decodes strictly with them; UTF-8 where the body is valid UTF-8;
charset detection (charset-normalizer); and last, the declared charset (or
cp1252) with replacement characters. The result is always valid Unicode.
"""

from __future__ import annotations

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding


def decode_body(body: bytes, content_type: str | None) -> tuple[str, str, str | None]:
    """(text, encoding used, note when it differs from what was declared)."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom is not None:
        return body[len(bom) :].decode(bom_encoding, errors="replace"), bom_encoding, None
    header = http_content_type_encoding(content_type) if content_type else None
    meta = html_body_declared_encoding(body[:4096])
    declared = [resolved for e in (header, meta) if e and (resolved := resolve_encoding(e))]
    if declared and _single_byte(declared[0]) and not body.isascii():
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:  # no note where the page declares UTF-8 too (a header's charset, a <meta>'s)
            note = None if "utf-8" in declared else f"declared {declared[0]}, decoded as utf-8 (the bytes are UTF-8)"
            return text, "utf-8", note
    for encoding in declared:
        try:
            return body.decode(encoding), encoding, None
        except (UnicodeError, LookupError):  # UnicodeError: codecs such as idna refuse bodies
            continue
    first = declared[0] if declared else None
    candidates = ["utf-8"]
    candidates += _detected(body[:200_000])
    for encoding in candidates:
        try:
            text = body.decode(encoding)
        except (UnicodeError, LookupError):
            continue
        note = f"declared {first}, decoded as {encoding}" if first and first != encoding else None
        return text, encoding, note
    for fallback in [e for e in (first, "cp1252") if e]:
        try:
            return body.decode(fallback, errors="replace"), fallback, f"undecodable bytes replaced ({fallback})"
        except (UnicodeError, LookupError):  # a charset that is no text codec
            continue
    raise AssertionError("cp1252 decodes any bytes")


#: byte pairs that UTF-8, Shift_JIS, GBK/GB18030, Big5, EUC-JP/KR read as one character
_LEAD_BYTE_PAIRS = (b"\xc3\xa9", b"\x82\xa0", b"\xa4\xa4", b"\x8e\xa1", b"\xb0\xa1")


def _single_byte(encoding: str) -> bool:
    """Whether `encoding` maps each byte to one character (cp1252, latin-1, koi8-r, ...)."""
    try:  # a multi-byte charset reads one of these pairs as one character
        return all(len(pair.decode(encoding, errors="replace")) == 2 for pair in _LEAD_BYTE_PAIRS)
    except (LookupError, UnicodeError):  # idna and punycode refuse some bytes whatever the errors mode
        return False


def _detected(body: bytes) -> list[str]:
    """charset-normalizer's guess; among equally clean guesses, windows-1252 (the web's
    default for undeclared Western pages) wins."""
    matches = list(from_bytes(body))
    if not matches:
        return []
    best = min(m.chaos for m in matches)
    tied = [m for m in matches if m.chaos == best]
    for match in tied:
        if "cp1252" in match.could_be_from_charset:
            return ["cp1252"]
    return [tied[0].encoding]


#: bytes that no text encoding but UTF-16/32 puts in text: NUL and the C0 controls
#: other than tab, newline, form feed and return
_CONTROL_BYTES = bytes(set(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D})


def binary_share(body: bytes, sample: int = 8192) -> float:
    """The share of control bytes in the start of `body`: 0 for any HTML, about 0.1 for
    random bytes (an image or archive served as text/html). A body that starts with a
    UTF-16 or UTF-32 byte-order mark is text whatever its bytes."""
    if read_bom(body)[0] or not body:
        return 0.0
    head = body[:sample]
    return (len(head) - len(head.translate(None, _CONTROL_BYTES))) / len(head)
