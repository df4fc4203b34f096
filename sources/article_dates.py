"""When an article was published, as intake pre-fills a draft's "stated on".

Read from what publishers mark up (meta `article:published_time` and its kin, JSON-LD
`datePublished`; placeholders like year 1 ignored), else from the article's URL
(/2019/11/19/...), else from a dateline near the top of the text ("7 November 2024",
"November 7, 2024", "2024-11-07"). Only a full date counts: "on 7 November" is not enough.
The editor can always change it; a wrong guess is worse than none, so anything unclear is None.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import lxml.html

META_XPATHS = (
    '//meta[@property="article:published_time"]/@content',
    '//meta[@name="article:published_time"]/@content',
    '//meta[@itemprop="datePublished"]/@content',
    '//*[@itemprop="datePublished"]/@datetime',
    '//meta[@name="date"]/@content',
    '//meta[@name="pubdate"]/@content',
    '//meta[@name="DC.date.issued"]/@content',
)
DATELINE_WITHIN = 400  # characters from the start of the text where a dateline may sit

_MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_DATELINE = re.compile(
    rf"\b{_DAY}\s+{_MONTH}\s+(\d{{4}})\b"  # 7 November 2024
    rf"|\b{_MONTH}\s+{_DAY},?\s+(\d{{4}})\b"  # November 7, 2024
    r"|\b(\d{4})-(\d{2})-(\d{2})\b",  # 2024-11-07
    re.IGNORECASE,
)


EARLIEST_YEAR = 1900  # CMS placeholders ("0001-01-01T00:00:00") are no publication date


def parse_date(value: str) -> date | None:
    """An ISO date or date-time ("2024-11-07", "2024-11-07T09:30:00+00:00"), else None
    (also for placeholders such as year 1 and for dates after tomorrow)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            found = date.fromisoformat(value[:10])
        except ValueError:
            return None
    return found if _plausible(found) else None


def _plausible(found: date) -> bool:
    return found.year >= EARLIEST_YEAR and found <= date.today() + timedelta(days=1)


def dateline_date(text: str) -> date | None:
    """The first full date near the top of `text`, else None."""
    match = _DATELINE.search(text[:DATELINE_WITHIN])
    if match is None:
        return None
    g = match.groups()
    try:
        if g[0]:
            found = date(int(g[2]), _MONTHS[g[1].lower()], int(g[0]))
        elif g[3]:
            found = date(int(g[5]), _MONTHS[g[3].lower()], int(g[4]))
        else:
            found = date(int(g[6]), int(g[7]), int(g[8]))
    except ValueError:  # 31 February and the like
        return None
    return found if _plausible(found) else None


_URL_DATE_RE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|[-_][a-z]|$)")


def url_date(url: str) -> date | None:
    """The date many sites put in an article's path (/2019/11/19/slug), else None."""
    match = _URL_DATE_RE.search(url or "")
    if match is None:
        return None
    try:
        found = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return found if _plausible(found) else None


def _json_ld_dates(data: object) -> Iterator[str]:
    if isinstance(data, dict):
        value = data.get("datePublished")
        if isinstance(value, str):
            yield value
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            yield from _json_ld_dates(data.get(key))
    elif isinstance(data, list):
        for item in data:
            yield from _json_ld_dates(item)


def published_on_of_html(root: lxml.html.HtmlElement) -> date | None:
    """The publication date a page declares (meta tags, then JSON-LD), else None."""
    for xpath in META_XPATHS:
        for value in root.xpath(xpath):
            if found := parse_date(str(value)):
                return found
    for script in root.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for value in _json_ld_dates(data):
            if found := parse_date(value):
                return found
    return None
