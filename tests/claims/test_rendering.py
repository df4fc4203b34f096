"""Editor Markdown becomes safe HTML: no raw HTML, no unsafe links, nofollow everywhere."""

from html.parser import HTMLParser

import pytest

from claims.rendering import render_markdown


def attribute_names(html: str) -> set[str]:
    """The attribute names a browser would see (quoted text inside a value is not one)."""
    names: set[str] = set()

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            names.update(name for name, _ in attrs)

    Collector().feed(html)
    return names


def test_markdown_formatting_is_kept():
    html = render_markdown("**bold** and *italic*\n\n- one\n- two\n\n> quoted")
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert "<blockquote>" in html


def test_raw_html_is_removed_keeping_its_text():
    # The help text promises raw HTML is removed: no markup, and no literal "<script>" either.
    html = render_markdown('<script>alert(1)</script>\n\n<div onclick="x()">hi</div> <b>b</b>')
    assert "<script" not in html and "<div" not in html and "<b>" not in html
    assert "alert(1)" not in html and "&lt;" not in html and "onclick" not in html
    assert ">hi<" in html and ">b<" in html


def test_raw_html_inside_a_paragraph_is_stripped_and_markdown_still_works():
    html = render_markdown('Up **19%** <img src=x onerror="alert(1)"> on <span>2023</span>.')
    assert "<strong>19%</strong>" in html and "2023" in html
    assert "<img" not in html and "onerror" not in html and "<span" not in html


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](  javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
    ],
)
def test_unsafe_link_schemes_lose_their_target(link):
    html = render_markdown(link)
    assert "javascript:" not in html.lower().replace("&lt;javascript:alert(1)&gt;", "")
    assert 'href="data:' not in html and 'href="vbscript:' not in html


def test_links_get_nofollow_noopener():
    html = render_markdown("[ONS](https://www.ons.gov.uk/) and [mail](mailto:desk@example.org)")
    assert '<a href="https://www.ons.gov.uk/" rel="nofollow noopener noreferrer">ONS</a>' in html
    assert 'href="mailto:desk@example.org"' in html


def test_images_and_event_handlers_are_dropped():
    html = render_markdown(
        '![x](https://example.org/a.png "t") [a](https://e.org "t\\" onmouseover=\\"x")'
    )
    assert "<img" not in html
    assert all(name in {"href", "title", "rel"} for name in attribute_names(html))


def test_headings_start_below_the_page_title():
    html = render_markdown("# Top\n\n###### Deep")
    assert "<h1>" not in html and "<h2>Top</h2>" in html
    assert "<h6>" not in html


def test_empty_analysis_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown("   \n") == ""
