"""The demo's dataset source: a small returns workbook shaped like an official statistics table.

It holds the 9,400 returns figure of the seed article the way a statistics release publishes
it: a "Returns" sheet with a title row, a two-row header (year over quarter, the year merged
across its quarters), rows by return type, revised figures marked "[r]", a quarter not yet
published marked "[x]", and a "Notes" sheet. `add_returns_dataset(claim)` gives a claim its
dataset citation (idempotent); `returns_workbook()` is the file itself, which tests serve.

The figures are illustrative, consistent with the article (9,400 this year, 19% over 7,900).
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from django.db import transaction
from django.utils import timezone

from claims.models import Claim
from sources.datasets import read_dataset
from sources.extraction import text_hash
from sources.models import Citation, Snapshot, Source

RETURNS_URL = "https://assets.publishing.service.gov.uk/media/demo/returns-summary-tables.xlsx"
RETURNS_TITLE = "Returns summary tables (demo workbook)"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

QUARTERS = ["Jan to Mar", "Apr to Jun", "Jul to Sep", "Oct to Dec"]
RETURNS_ROWS = [
    ["Enforced returns", 800, 820, 860, 900, 3380, 1200, 1250, "1,400 [r]", "[x]", "3,850 [r]"],
    ["Voluntary returns", 900, 930, 980, 1080, 3890, 1500, 1600, 1800, "[x]", 4900],
    ["Port returns", 150, 150, 160, 170, 630, 200, 200, 250, "[x]", 650],
    ["All returns", 1850, 1900, 2000, 2150, 7900, 2900, 3050, "3,450 [r]", "[x]", "9,400 [r]"],
]
# The citation's locator: the cell the claim's 9,400 comes from.
RETURNS_CITATION = {
    "sheet": "Returns",
    "row_labels": ["All returns"],
    "column_labels": ["2024", "Year to date"],
    "expected_value": "9,400",
}


def returns_sheets(rows: list[list] | None = None) -> dict[str, dict]:
    """The workbook's sheets as {name: {"rows": [...], "merges": ["B2:F2", ...]}}."""
    header_years = ["Return type", "2023", "", "", "", "", "2024", "", "", "", ""]
    header_periods = ["", *QUARTERS, "Year total", *QUARTERS, "Year to date"]
    returns = [
        ["Table RT_01: Returns of people with no right to remain, by type and quarter [note 1]"],
        header_years,
        header_periods,
        *(rows or RETURNS_ROWS),
    ]
    notes = [
        ["Note number", "Note text"],
        ["note 1", "Illustrative figures for the Claimwatch demo, not official statistics."],
        ["[r]", "Revised since the previous release."],
        ["[x]", "Not yet available."],
    ]
    return {
        "Returns": {"rows": returns, "merges": ["B2:F2", "G2:K2"]},
        "Notes": {"rows": notes, "merges": []},
    }


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _sheet_xml(rows: list[list], merges: list[str]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
    ]
    for row_number, row in enumerate(rows, start=1):
        cells = []
        for column, value in enumerate(row):
            if value in ("", None):
                continue
            ref = f"{_column_letters(column)}{row_number}"
            if isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        out.append(f'<row r="{row_number}">{"".join(cells)}</row>')
    out.append("</sheetData>")
    if merges:
        out.append(f'<mergeCells count="{len(merges)}">')
        out.extend(f'<mergeCell ref="{ref}"/>' for ref in merges)
        out.append("</mergeCells>")
    out.append("</worksheet>")
    return "".join(out)


def xlsx_bytes(sheets: dict[str, dict]) -> bytes:
    """A minimal valid XLSX (inline strings, no styles) of `{name: {"rows", "merges"}}`."""
    names = list(sheets)
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(names) + 1)
        )
        + "</Types>"
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        + "".join(
            f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(names, start=1)
        )
        + "</sheets></workbook>"
    )
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        + "</Relationships>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        for i, name in enumerate(names, start=1):
            sheet = sheets[name]
            archive.writestr(
                f"xl/worksheets/sheet{i}.xml", _sheet_xml(sheet["rows"], sheet.get("merges", []))
            )
    return buffer.getvalue()


def returns_workbook(rows: list[list] | None = None) -> bytes:
    """The demo returns workbook as XLSX bytes (`rows` replaces the data rows, for tests)."""
    return xlsx_bytes(returns_sheets(rows))


@transaction.atomic
def add_returns_dataset(claim: Claim) -> Citation:
    """Give `claim` its dataset citation of the 9,400 returns cell; running it again changes
    nothing. The source starts with a snapshot read from the workbook, as a check would."""
    source, _ = Source.objects.update_or_create(
        url=RETURNS_URL,
        defaults={
            "title": RETURNS_TITLE,
            "publisher": "Home Office (demo)",
            "kind": Source.Kind.OFFICIAL_STATISTICS,
        },
    )
    dataset = read_dataset(returns_workbook(), "xlsx")
    snapshot, _ = Snapshot.objects.get_or_create(
        source=source,
        content_hash=text_hash(dataset.text),
        defaults={
            "title": dataset.title,
            "main_text": dataset.text,
            "full_text": dataset.text,
            "content_type": XLSX_TYPE,
            "tables": dataset.tables,
        },
    )
    if source.current_snapshot_id != snapshot.pk:
        source.current_snapshot = snapshot
        source.state = Source.State.OK
        source.last_checked_at = timezone.now()
        source.save()
    citation = Citation.objects.filter(
        claim=claim, source=source, locator_kind=Citation.LocatorKind.DATASET_CELL
    ).first() or Citation(claim=claim, source=source)
    citation.role = Citation.Role.SUPPORTS
    citation.locator_kind = Citation.LocatorKind.DATASET_CELL
    for name, value in RETURNS_CITATION.items():
        setattr(citation, name, value)
    citation.excerpt = ""
    if citation.pk is None:
        citation.excerpt_state = Citation.ExcerptState.PRESENT
        citation.found_text = "9,400 [r]"
        citation.found_figure = "9,400"
    citation.save()
    return citation
