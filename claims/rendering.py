"""Markdown written by editors -> HTML that is safe to put in a public page.

Two layers: Python-Markdown runs with its raw-HTML handling switched off (raw HTML comes out
as visible, escaped text), then nh3 (ammonia) keeps only an allow-list of tags, attributes and
URL schemes. Links get rel="nofollow noopener noreferrer": analyses link to sources we do not
endorse, and must not hand them our window.
"""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"


def _markdown_without_raw_html() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    # Without these, Markdown copies <script>, <img onerror=...> etc. through verbatim.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def render_markdown(text: str) -> SafeString:
    """Editor Markdown as sanitised HTML: no raw HTML, only http(s)/mailto links, nofollow."""
    if not text or not text.strip():
        return mark_safe("")
    html = _markdown_without_raw_html().convert(text)
    # Headings inside an analysis start at h2 (the page's h1 is the claim title); an editor's
    # "# Heading" would otherwise break the document outline.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    html = html.replace("<h5>", "<h4>").replace("</h5>", "</h4>")
    html = html.replace("<h6>", "<h4>").replace("</h6>", "</h4>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        clean_content_tags={"script", "style"},
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 - nh3 output is sanitised
