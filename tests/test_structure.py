"""The text's structure: `line_kinds` says what each line of the clean text was on the page,
whichever strategy produced the text, and the UI turns text and kinds into blocks (and
still shows lists and tables of rows written before the column existed)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from blogarchive.pipelines.document import extract_document
from blogarchive.pipelines.structure import KINDS, line_kinds
from blogarchive.web.blocks import Block, text_blocks

PARAGRAPH = "The harbour was quiet that morning and the boats stayed in, waiting for the wind. " * 3
STRUCTURED = (
    "<h2>Before the storm</h2>"
    f"<p>{PARAGRAPH}</p>"
    "<p>- A paragraph that starts with a dash, as dialogue does, is not a list item.</p>"
    "<ul><li>rope and <b>nets</b></li><li>a lantern</li></ul>"
    "<h3>What the old sailor said</h3>"
    "<blockquote><p>Never trust a calm sea in the spring, he said to us.</p>"
    "<h4>A heading inside the quote</h4></blockquote>"
    "<table><tr><th>Boat</th><th>Crew</th></tr><tr><td>Gull</td><td>3</td></tr></table>"
    "<pre>knot = 'bowline'\nprint(knot)</pre>"
    f"<p>{PARAGRAPH}</p>"
)


def kinds_of(document) -> list[tuple[str, str]]:
    assert len(document.line_kinds) == len(document.text.split("\n"))
    return list(zip(document.line_kinds, document.text.split("\n")))


def test_every_line_of_a_post_gets_its_kind():
    html = f"<html><head><title>Storm</title></head><body><article><h1>Storm</h1>{STRUCTURED}</article></body></html>"
    document = extract_document(html, "https://blog.example/storm")
    assert document.extractor.startswith("trafilatura")
    assert kinds_of(document) == [
        ("h2", "Before the storm"),
        ("p", PARAGRAPH.strip()),
        ("p", "- A paragraph that starts with a dash, as dialogue does, is not a list item."),
        ("li", "- rope and nets"),
        ("li", "- a lantern"),
        ("h3", "What the old sailor said"),
        ("quote", "Never trust a calm sea in the spring, he said to us."),
        ("h4", "A heading inside the quote"),
        ("table", "| Boat | Crew |"),
        ("table", "|---|---|"),
        ("table", "| Gull | 3 |"),
        ("pre", "knot = 'bowline'"),
        ("pre", "print(knot)"),
        ("p", PARAGRAPH.strip()),
    ]


def test_text_the_light_way_and_a_listing_get_kinds_too():
    links = "".join(f"<li><a href='/p?n={n}'>{n}</a></li>" for n in range(1200))
    html = (
        f"<html><head><title>Many</title></head><body><nav><ul>{links}</ul></nav><div>"
        f"<h2>Section one</h2><p>{PARAGRAPH}</p><ul><li>first of two items</li><li>second of two items</li></ul>"
        f"<p>{PARAGRAPH}</p></div></body></html>"
    )
    light = extract_document(html, "https://blog.example/many", max_elements=1000)
    assert light.extractor == "largest_block"
    assert light.line_kinds == ["h2", "p", "li", "li", "p"], kinds_of(light)

    entries = "".join(
        f"<article><h2><a href='/p{n}'>Entry number {n}</a></h2><p>{PARAGRAPH}</p></article>" for n in range(4)
    )
    listing = extract_document(
        f"<html><head><title>Blog</title></head><body><main>{entries}</main></body></html>", "https://blog.example/"
    )
    assert listing.page_type == "listing"
    assert [k for k, line in kinds_of(listing) if line.startswith("Entry number")] == ["h2"] * 4


def test_kinds_do_not_change_the_text_or_its_hash():
    """The column is beside the text: a page archived before it existed is not a new version."""
    html = f"<html><head><title>Storm</title></head><body><article>{STRUCTURED}</article></body></html>"
    plain = html
    for tag in ("h2", "h3", "h4", "blockquote"):
        plain = plain.replace(f"<{tag}>", "<p>").replace(f"</{tag}>", "</p>")
    with_kinds, without = extract_document(html, "https://b.example/s"), extract_document(plain, "https://b.example/s")
    assert with_kinds.text == without.text and with_kinds.content_hash == without.content_hash
    assert set(without.line_kinds) == {"p", "li", "table", "pre"} and "h2" in with_kinds.line_kinds


@given(st.lists(st.sampled_from(["<h2>T</h2>", "<p>word word</p>", "<li>x</li>", "<pre>a\n\nb</pre>", "\n", "<br>"])))
def test_there_is_one_known_kind_per_line_whatever_the_text(pieces):
    from blogarchive.pipelines.document import parse_html

    html = "<html><body>" + "".join(pieces) + "<p>end</p></body></html>"
    tree = parse_html(html)
    for text in ("", "end", "T\n\nword word\n- x", "\n".join(pieces)):
        kinds = line_kinds(tree, text)
        assert len(kinds) == len(text.split("\n")) and set(kinds) <= set(KINDS)


def test_blocks_group_runs_and_read_tables():
    text = "\n".join(
        [
            "Intro",
            "Part",
            "- one",
            "- two",
            "said this",
            "said that",
            "| a | b |",
            "|---|---|",
            "| 1 | 2 |",
            "x = 1",
            "",
        ]
    )
    kinds = ["p", "h1", "li", "li", "quote", "quote", "table", "table", "table", "pre", "p"]
    assert text_blocks(text, kinds) == [
        Block("paragraph", ("Intro",)),
        Block("heading", ("Part",), level=2),  # the page's title is the one h1
        Block("list", ("one", "two")),
        Block("quote", ("said this", "said that")),
        Block("table", rows=(("a", "b"), ("1", "2")), header=True),
        Block("code", ("x = 1",)),
    ]


def test_blocks_of_rows_without_kinds_or_with_kinds_that_are_not_ours():
    text = "Intro\n- one\n- two\n| a | b |\nEnd"
    expected = [
        Block("paragraph", ("Intro",)),
        Block("list", ("one", "two")),
        Block("table", rows=(("a", "b"),)),
        Block("paragraph", ("End",)),
    ]
    assert text_blocks(text, None) == expected  # written before schema 5
    assert text_blocks(text, ["p"]) == expected  # a list that does not fit the text is not used
    hostile = ["script", "h1 onload=x", "h9", "li", "p"]
    assert text_blocks(text, hostile) == [
        Block("paragraph", ("Intro",)),
        Block("paragraph", ("- one",)),
        Block("paragraph", ("- two",)),
        Block("list", ("| a | b |",)),
        Block("paragraph", ("End",)),
    ]


def test_lines_take_the_kind_of_the_block_in_their_place_not_of_any_block_with_their_words():
    """A paragraph with a heading's words, a list item's or a line of code's is the
    paragraph it is where it stands; code broken with <br> (code widgets) is still code."""
    html = (
        "<html><head><title>T</title></head><body><article>"
        f"<h2>Same words</h2><p>{PARAGRAPH}</p><p>Same words</p>"
        f"<p>Yes</p><p>{PARAGRAPH}</p><ul><li>Yes</li><li>No</li></ul>"
        f"<p>return x</p><pre>return x<br>y = 2<br/>z = 3</pre>"
        f"<p>| a | b |</p><table><tr><td>q</td><td>r</td></tr></table><p>{PARAGRAPH}</p>"
        "</article></body></html>"
    )
    got = [
        (kind, line)
        for kind, line in kinds_of(extract_document(html, "https://blog.example/p"))
        if line != PARAGRAPH.strip()
    ]
    assert got == [
        ("h2", "Same words"),
        ("p", "Same words"),
        ("p", "Yes"),
        ("li", "- Yes"),
        ("li", "- No"),
        ("p", "return x"),
        ("pre", "return x"),
        ("pre", "y = 2"),
        ("pre", "z = 3"),
        ("p", "| a | b |"),
        ("table", "| q | r |"),
    ]
