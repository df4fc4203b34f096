"""Text from fetched documents, and the normalisation used to compare versions.

Two texts come out of every document: the *main text* (the article, without menus, ads and
footers; its hash decides "the page changed") and the *full text* (everything a reader can
see; where citation excerpts are sought, because main-text extractors drop some sentences).
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import io
import logging
import re
from dataclasses import dataclass
from datetime import date

import lxml.html
from lxml import etree

# The normalisation is claims' leaf module's, so claims and sources fold text the same way;
# the names stay importable from here for the checking code.
from claims.hygiene import scrub_structure, scrub_text
from claims.text import matching_form as matching_form
from claims.text import normalise_for_matching as normalise_for_matching
from claims.text import normalise_text
from sources.article_dates import published_on_of_html
from sources.datasets import DatasetRefused, dataset_kind, read_dataset
from sources.tables import html_tables

logger = logging.getLogger(__name__)


HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xml", "text/xml"}
PDF_TYPES = {"application/pdf", "application/x-pdf"}
TEXT_TYPES = {"text/plain", "text/markdown", "text/csv"}

# Elements whose text a reader never sees.
_INVISIBLE_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "canvas",
    "iframe",
    "object",
    "head",
    "nav",
]
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "ul", "caption", "option",
}  # fmt: skip


class ExtractionError(Exception):
    """The document could not be read (corrupt PDF, unsupported type); the message says why.

    `outcome` is what the check records: unsupported, or too_large for a dataset over a limit.
    """

    def __init__(self, message: str, outcome: str = "unsupported") -> None:
        super().__init__(message)
        self.outcome = outcome


@dataclass(frozen=True)
class ExtractedText:
    title: str
    main_text: str
    full_text: str
    kind: str  # html, pdf, text or dataset
    # Tables of the page, sheets of a dataset: [{"name", "rows": [[cell text]]}] (sources.tables).
    tables: tuple = ()
    # When the page says it was published (meta tags, JSON-LD), for intake's "stated on".
    published_on: date | None = None

    def __post_init__(self) -> None:
        # Fetched text is scrubbed (claims.hygiene): a NUL or a control character on a page
        # must not stop its snapshot being stored, nor reach a title shown in feeds and pages.
        for name in ("title", "main_text", "full_text"):
            object.__setattr__(self, name, scrub_text(getattr(self, name)))
        if self.tables:
            object.__setattr__(self, "tables", tuple(scrub_structure(list(self.tables))))


def text_hash(text: str) -> str:
    """SHA-256 of the normalised text: equal hashes mean "the page did not change"."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


# --- decoding -------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def _known_codec(name: str) -> str | None:
    try:
        return codecs.lookup(name.strip().strip("'\"")).name
    except (LookupError, ValueError):
        return None


def decode_body(body: bytes, charset: str = "", *, html: bool = False) -> str:
    """Bytes to text: BOM, then the declared charset (header, then <meta>), then UTF-8, then a
    guess; never raises (undecodable bytes become U+FFFD)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace")
    candidates = [charset] if charset else []
    if html:
        match = _META_CHARSET.search(body[:4096])
        if match:
            candidates.append(match.group(1).decode("ascii", "ignore"))
    for name in candidates:
        codec = _known_codec(name)
        if codec:
            # Pages labelled latin-1 are in practice windows-1252 (the HTML standard says so).
            codec = "cp1252" if codec in {"iso8859-1", "ascii"} else codec
            try:
                return body.decode(codec)
            except UnicodeDecodeError:
                continue
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
        if best is not None:
            return body.decode(best.encoding, errors="replace")
    except (
        ImportError,
        LookupError,
    ):  # pragma: no cover - charset_normalizer ships with trafilatura
        pass
    return body.decode("cp1252", errors="replace")


# --- HTML -----------------------------------------------------------------------------------


def _parse_html(html: str) -> lxml.html.HtmlElement | None:
    # lxml refuses str input that carries an XML encoding declaration.
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _is_hidden(element: etree._Element) -> bool:
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = element.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def _visible_lines(root: lxml.html.HtmlElement) -> list[str]:
    """Visible text in reading order, one line per block element."""
    parts: list[str] = []

    def walk(element: etree._Element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if not tag or tag.lower() in _INVISIBLE_TAGS or _is_hidden(element):
            return
        block = tag.lower() in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    body = root.find("body")
    walk(body if body is not None else root)
    lines = ("".join(parts)).split("\n")
    return [" ".join(line.split()) for line in lines if line.strip()]


def visible_text(html: str) -> str:
    """Everything a reader can see: scripts, styles, navigation and hidden elements removed."""
    root = _parse_html(html)
    if root is None:
        return ""
    return "\n".join(_visible_lines(root))


def _html_title(root: lxml.html.HtmlElement | None) -> str:
    if root is None:
        return ""
    for xpath in ('//meta[@property="og:title"]/@content', "//title//text()", "//h1//text()"):
        found = " ".join(" ".join(root.xpath(xpath)).split())
        if found:
            return found[:500]
    return ""


@functools.cache
def _trafilatura_options():
    """The extraction options, built once: building them per page (reading trafilatura's
    configuration) cost about a sixth of an extraction. trafilatura never alters a shared one."""
    from trafilatura.settings import Extractor

    return Extractor(comments=False, tables=True, recall=True, dedup=False, with_metadata=False)


def main_text_of_html(html: str | lxml.html.HtmlElement) -> str:
    """The article text (trafilatura, offline), or "" when it finds none.

    Given a parsed tree, trafilatura prunes it in place: read anything else from it first.
    """
    import trafilatura

    try:
        text = trafilatura.extract(html, options=_trafilatura_options())
    except Exception:  # trafilatura raises assorted errors on broken markup; fall back below.
        logger.warning("trafilatura failed on a document", exc_info=True)
        return ""
    return (text or "").strip()


def extract_html(html: str) -> ExtractedText:
    root = _parse_html(html)
    if root is None:
        return ExtractedText(title="", main_text="", full_text="", kind="html")
    full = "\n".join(_visible_lines(root))
    title = _html_title(root)
    found_tables = tuple(html_tables(root, _is_hidden)) if full else ()
    published_on = published_on_of_html(root)
    # One parse serves all: the visible text, title, tables and date are read before trafilatura
    # prunes.
    main = main_text_of_html(root) if full else ""
    return ExtractedText(
        title=title,
        main_text=main or full,
        full_text=full,
        kind="html",
        tables=found_tables,
        published_on=published_on,
    )


# --- PDF and plain text ---------------------------------------------------------------------


def extract_pdf(body: bytes) -> ExtractedText:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            reader.decrypt("")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = str((reader.metadata or {}).get("/Title") or "")
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise ExtractionError(f"The PDF could not be read: {error}") from error
    text = "\n".join(page.strip() for page in pages if page.strip())
    return ExtractedText(title=title.strip()[:500], main_text=text, full_text=text, kind="pdf")


def extract_plain(body: bytes, charset: str = "") -> ExtractedText:
    text = decode_body(body, charset).replace("\r\n", "\n").strip()
    first_line = text.split("\n", 1)[0].strip()[:200] if text else ""
    return ExtractedText(title=first_line, main_text=text, full_text=text, kind="text")


def document_kind(content_type: str, body: bytes) -> str | None:
    """html, pdf or text from the declared type, sniffing when it is missing or generic."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in HTML_TYPES:
        return "html"
    if media_type in PDF_TYPES:
        return "pdf"
    if media_type in TEXT_TYPES:
        return "text"
    if media_type in {"", "application/octet-stream", "binary/octet-stream"}:
        head = body[:1024].lstrip().lower()
        if head.startswith(b"%pdf-"):
            return "pdf"
        if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
            return "html"
    return None


def extract_dataset(body: bytes, kind: str, charset: str = "") -> ExtractedText:
    """A CSV, XLSX or ODS file: its sheets as text and as tables (sources.datasets).

    A CSV keeps the text it always had (its decoded bytes) and gains its table.
    """
    text = decode_body(body, charset).replace("\r\n", "\n").strip() if kind == "csv" else ""
    try:
        dataset = read_dataset(body, kind, text)
    except DatasetRefused as refusal:
        if kind == "csv" and refusal.outcome == "unsupported":
            # A CSV the csv module cannot split (NULs, huge fields) is still readable text.
            return extract_plain(body, charset)
        raise ExtractionError(str(refusal), outcome=refusal.outcome) from refusal
    return ExtractedText(
        title=dataset.title,
        main_text=dataset.text,
        full_text=dataset.text,
        kind="text" if kind == "csv" else "dataset",
        tables=tuple(dataset.tables),
    )


def extract(body: bytes, content_type: str, charset: str = "") -> ExtractedText:
    """Title, main text and full visible text of a fetched document.

    Raises ExtractionError for a type it cannot read (images, archives) or a corrupt file.
    """
    spreadsheet = dataset_kind(content_type, body)
    if spreadsheet:
        return extract_dataset(body, spreadsheet, charset)
    kind = document_kind(content_type, body)
    if kind == "html":
        return extract_html(decode_body(body, charset, html=True))
    if kind == "pdf":
        return extract_pdf(body)
    if kind == "text":
        return extract_plain(body, charset)
    raise ExtractionError(f"Content of type {content_type or 'unknown'!r} cannot be read as text.")
