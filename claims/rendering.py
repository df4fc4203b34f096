"""Markdown written by editors -> HTML that is safe to put in a public page.

Two layers: raw HTML an editor typed is removed, keeping its text (Python-Markdown sets raw HTML
aside while it parses; every piece set aside loses its tags, and <script>/<style> their content,
before it is put back), then nh3 (ammonia) keeps only an allow-list of tags, attributes and URL
schemes in the Markdown's own output. Readers never see literal "<script>" text. Links get rel="nofollow noopener noreferrer": analyses link to sources we do not
endorse, and must not hand them our window.
"""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.postprocessors import Postprocessor

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"


def strip_tags(html: str) -> str:
    """`html` as its text only: no tags, no script or style content, the rest escaped."""
    return nh3.clean(html, tags=set(), clean_content_tags={"script", "style"}, strip_comments=True)


class _StripRawHtml(Postprocessor):
    """Runs before Markdown puts the raw HTML it set aside back: strips that HTML to text."""

    def run(self, text: str) -> str:
        stash = self.md.htmlStash
        stash.rawHtmlBlocks = [strip_tags(str(block)) for block in stash.rawHtmlBlocks]
        return text


def _markdown_without_raw_html() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    # Priority above "raw_html" (30), the postprocessor that puts the set-aside HTML back.
    md.postprocessors.register(_StripRawHtml(md), "strip_raw_html", 40)
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
