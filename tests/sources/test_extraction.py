import pytest

from sources.extraction import (
    ExtractionError,
    decode_body,
    document_kind,
    extract,
    matching_form,
    normalise_for_matching,
    normalise_text,
    text_hash,
    visible_text,
)
from tests.support.builders import make_pdf
from tests.support.corpus import sentences_of

ARTICLE = """<!doctype html><html><head><title>Returns up 19% | Home Office</title>
<style>.x{color:red}</style><script>var secret = "do not index";</script></head>
<body><nav><a href="/">Home</a> <a href="/news">News menu</a></nav>
<article><h1>Returns up 19%</h1>
<p>The Home Office said that 9,400 people with no right to remain were returned this year.</p>
<p>That is up 19% on 2023, when the figure was lower, according to the department.</p>
<p>Ministers also announced £75 million for the Border Security Command this autumn.</p>
<p style="display:none">Hidden promotional text.</p><div hidden>Also hidden.</div>
</article><footer>Copyright</footer></body></html>"""


def test_html_main_text_keeps_the_article_and_drops_scripts_and_menus():
    extracted = extract(ARTICLE.encode(), "text/html; charset=utf-8")
    assert extracted.kind == "html"
    assert extracted.title == "Returns up 19% | Home Office"
    assert "9,400 people with no right to remain" in extracted.main_text
    assert "do not index" not in extracted.main_text
    assert "News menu" not in extracted.main_text


def test_full_visible_text_has_every_visible_paragraph_but_no_hidden_content():
    text = visible_text(ARTICLE)
    assert "£75 million for the Border Security Command" in text
    assert "Copyright" in text
    for invisible in [
        "do not index",
        "color:red",
        "Hidden promotional",
        "Also hidden",
        "News menu",
    ]:
        assert invisible not in text
    # Block elements become separate lines, so sentences of two paragraphs do not merge.
    assert "department.\nMinisters" in text


def test_main_text_falls_back_to_visible_text_when_the_extractor_finds_nothing():
    extracted = extract(b"<html><body><div>Only 12 words here.</div></body></html>", "text/html")
    assert extracted.main_text == "Only 12 words here."
    assert extracted.full_text == "Only 12 words here."


def test_empty_or_unparsable_html_gives_empty_text_not_an_error():
    assert extract(b"", "text/html").main_text == ""
    assert extract(b"<html></html>", "text/html").full_text == ""


@pytest.mark.parametrize(
    ("body", "charset", "expected"),
    [
        ("Café 9 400 €".encode(), "utf-8", "Café 9 400 €"),
        ("Café".encode("latin-1"), "iso-8859-1", "Café"),
        ("“quoted”".encode("cp1252"), "iso-8859-1", "“quoted”"),  # latin-1 labels mean cp1252
        ("Café".encode(), "", "Café"),
        (b"\xef\xbb\xbfBOM wins", "latin-1", "BOM wins"),
        ("Ünïcode".encode(), "no-such-charset", "Ünïcode"),
    ],
)
def test_bodies_are_decoded_by_bom_declared_charset_then_utf8(body, charset, expected):
    assert decode_body(body, charset) == expected


def test_html_meta_charset_is_honoured_when_the_header_has_none():
    html = '<html><head><meta charset="windows-1252"></head><body><p>Caf\xe9 £5</p></body></html>'
    extracted = extract(html.encode("cp1252"), "text/html")
    assert "Café £5" in extracted.full_text


def test_pdf_text_and_title_are_extracted():
    pdf = make_pdf(["Immigration statistics, 2024.", "Returns rose to 9,400 people."], "Stats")
    extracted = extract(pdf, "application/pdf")
    assert extracted.kind == "pdf"
    assert extracted.title == "Stats"
    assert "Returns rose to 9,400 people." in extracted.main_text


def test_pdf_served_as_octet_stream_is_recognised_by_its_signature():
    assert document_kind("application/octet-stream", make_pdf(["x"])) == "pdf"
    assert document_kind("", b"<!DOCTYPE html><html>") == "html"


def test_corrupt_pdf_raises_a_clear_extraction_error():
    with pytest.raises(ExtractionError, match="PDF"):
        extract(b"%PDF-1.4\nthis is not really a pdf", "application/pdf")


def test_plain_text_is_read_with_its_charset():
    extracted = extract("Returns: 9,400\r\nUp 19 per cent".encode("utf-16"), "text/plain", "utf-16")
    assert extracted.main_text == "Returns: 9,400\nUp 19 per cent"
    assert extracted.title == "Returns: 9,400"


@pytest.mark.parametrize("content_type", ["image/png", "application/zip", "video/mp4"])
def test_other_content_types_are_refused(content_type):
    with pytest.raises(ExtractionError, match="cannot be read"):
        extract(b"\x89PNG\r\n", content_type)


def test_normalisation_folds_quotes_dashes_spaces_and_nbsp():
    assert normalise_text("“Up” — 19%\u00a0on\n\t2023 ‘now’") == "\"Up\" - 19% on 2023 'now'"
    assert text_hash("a  b\n“c”") == text_hash('a b "c"')
    assert text_hash("a b") != text_hash("a c")


@pytest.mark.parametrize(
    "spelling",
    ["9,400 people", "9400 people", "9 400 people", "9\u00a0400 people", "9\u202f400 People"],
)
def test_thousands_separators_fold_for_matching(spelling):
    assert matching_form(spelling) == "9400 people"


@pytest.mark.parametrize("spelling", ["up 19% on", "up 19 per cent on", "up 19 percent on"])
def test_per_cent_spellings_fold_for_matching(spelling):
    assert matching_form(spelling) == "up 19% on"


def test_matching_offsets_point_back_into_the_original_text():
    original = "Up  to “9,400”\u00a0PEOPLE"
    folded, offsets = normalise_for_matching(original)
    assert folded == 'up to "9400" people'
    start = folded.index("9400")
    assert original[offsets[start] : offsets[start + 3] + 1] == "9,400"
    assert len(offsets) == len(folded)


def test_every_corpus_page_yields_article_text_found_in_the_full_text(corpus):
    """Real pages nobody here wrote: the extracted full text holds what a reader sees."""
    total = found = 0
    for page in corpus:
        extracted = extract(page["raw"], "text/html")
        assert len(extracted.main_text) >= 200, page["id"]
        assert len(extracted.full_text) >= len(extracted.main_text) * 0.5, page["id"]
        full = matching_form(extracted.full_text)
        sentences = sentences_of(page["body"], min_length=40)
        hits = sum(matching_form(s) in full for s in sentences)
        if sentences:
            assert hits / len(sentences) >= 0.6, page["id"]
        total += len(sentences)
        found += hits
    assert total > 1000
    assert found / total >= 0.97


@pytest.mark.parametrize("content_type", ["text/html", "text/plain"])
def test_fetched_titles_and_text_are_scrubbed_of_nul_and_control_characters(content_type):
    page = (
        "<html><head><title>Returns\x00 rise\x1b</title></head><body><article>"
        "<p>Returns rose\x0b to 9,400\x07 people this year, the department said today.</p>"
        "</article></body></html>"
    )
    body = page.encode() if content_type == "text/html" else b"Returns\x00 rise\x1b\nRose\x07."
    extracted = extract(body, content_type, "utf-8")
    for text in (extracted.title, extracted.main_text, extracted.full_text):
        assert not any(ch in text for ch in "\x00\x1b\x07\x0b"), repr(text)
    # The HTML parser turns a NUL into U+FFFD itself, as HTML5 says; plain text has it dropped.
    assert extracted.title in ("Returns rise", "Returns\ufffd rise")
