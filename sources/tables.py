"""Figures in tables: grids from HTML tables, cells found by their labels, values compared.

A table is `{"name": caption, heading or sheet name, "rows": [[cell text, ...], ...]}` (the
shape stored in `Snapshot.tables`, for HTML pages and datasets alike). A cell is named by its
row labels (the stub cells on its left) and its column labels (the headers above it, top to
bottom, for multi-row headers); it is found again by those labels wherever its row or column
has moved. Merged and spanned headers are spread over every column they cover.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

# Spans beyond these are cut: a rowspan of 65534 must not make a table of millions of cells.
MAX_SPAN = 1000
MAX_HTML_TABLES = 200
MAX_HTML_TABLE_CELLS = 50_000

# Statistics offices' markers: "[r]" revised, "[p]" provisional, "[note 3]", "[c]", "[x]".
_BRACKETED = re.compile(r"\[\s*([^\[\]]{1,30}?)\s*\]")
_SUPERSCRIPTS = re.compile(r"[\u00b9\u00b2\u00b3\u2070-\u2079\u207a-\u207f*†‡§]+$")
# Markers meaning "no value here": suppressed, not available, not applicable.
UNAVAILABLE = {"c", "x", "z", "u", "..", ".", "-", "–", "—", ":", "n/a", "na", "low"}
_THOUSANDS = re.compile(r"(?<=\d)[,\u00a0\u202f\u2009' ](?=\d{3}(?!\d))")
_NUMBER = re.compile(r"^([-+−]?)[£$€]?(\d+(?:\.\d+)?)\s*(%|per\s?cent)?$", re.IGNORECASE)
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")


@dataclass(frozen=True)
class CellValue:
    """A cell's text read the way statistics tables mean it."""

    text: str  # as shown, spacing folded
    value: str  # without markers: "9,400"
    number: Decimal | None  # 9400, or None for a non-numeric value
    percent: bool
    markers: tuple[str, ...]  # ("r",), ("note 3",)
    unavailable: str  # "[c]", "..": the value is suppressed or not available; else ""

    @property
    def revised(self) -> bool:
        return "r" in self.markers


def read_cell(text: str) -> CellValue:
    """ "9,400 [r]" -> value 9,400, number 9400, marker r; "[c]" -> unavailable."""
    shown = " ".join(str(text).split())
    markers = tuple(m.group(1).strip().lower() for m in _BRACKETED.finditer(shown))
    value = _BRACKETED.sub(" ", shown)
    value = _SUPERSCRIPTS.sub("", " ".join(value.split())).strip()
    if value.lower() in UNAVAILABLE or (not value and set(markers) & UNAVAILABLE):
        unavailable = shown
    else:
        unavailable = ""
    number, percent = parse_number(value)
    return CellValue(shown, value, number, percent, markers, unavailable)


def parse_number(value: str) -> tuple[Decimal | None, bool]:
    """(9400, False) for "9,400" / "9 400" / "9400"; (19, True) for "19%"; (None, False)."""
    compact = _THOUSANDS.sub("", _DASHES.sub("-", value.strip()))
    match = _NUMBER.match(compact)
    if not match:
        return None, False
    sign, digits, percent = match.groups()
    try:
        number = Decimal(digits)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None, False
    return (-number if sign in {"-", "−"} else number), bool(percent)


def same_value(expected: str, found: CellValue) -> bool:
    """Whether the cell still says what was cited: numbers by value (9,400 = 9400 = 9400.0;
    19% = 0.19 stored as a fraction), other text by its folded spelling."""
    if found.unavailable:
        return False
    wanted = read_cell(expected)
    if wanted.number is not None and found.number is not None:
        if wanted.number == found.number:
            return True
        # A spreadsheet keeps 19% as 0.19 and shows it with a number format.
        return wanted.percent and not found.percent and wanted.number == found.number * 100
    return fold_label(wanted.value) == fold_label(found.value)


def fold_label(text: str) -> str:
    """A label or value as compared: markers dropped, Unicode, case, quotes, dashes and
    spacing folded, thousands separators removed."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES)
    text = _SUPERSCRIPTS.sub("", _BRACKETED.sub(" ", text).strip())
    text = _THOUSANDS.sub("", _DASHES.sub("-", text))
    return " ".join(text.split()).casefold()


# --- HTML tables ----------------------------------------------------------------------------

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _cell_text(cell: etree._Element) -> str:
    return " ".join(" ".join(cell.itertext()).split())


def _span(cell: etree._Element, name: str) -> int:
    try:
        return max(1, min(MAX_SPAN, int(cell.get(name, "1").strip() or 1)))
    except ValueError:
        return 1


def html_table_grid(table: etree._Element, max_cells: int) -> list[list[str]]:
    """The table as rows of cell texts, spans spread over every row and column they cover."""
    grid: list[list[str]] = []
    pending: dict[tuple[int, int], str] = {}  # cells covered by a rowspan from above
    cells = 0
    for row_index, row in enumerate(r for r in table.iter("tr") if _nearest_table(r) is table):
        out: list[str] = []
        column = 0
        for cell in row:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in {"td", "th"}:
                continue
            while (row_index, column) in pending:
                out.append(pending.pop((row_index, column)))
                column += 1
            text = _cell_text(cell)
            colspan, rowspan = _span(cell, "colspan"), _span(cell, "rowspan")
            cells += colspan * rowspan
            if cells > max_cells:
                return grid  # counted before spreading: a span bomb allocates nothing
            for offset in range(colspan):
                out.append(text)
                for below in range(1, rowspan):
                    pending[(row_index + below, column + offset)] = text
            column += colspan
        while (row_index, column) in pending:
            out.append(pending.pop((row_index, column)))
            column += 1
        grid.append(out)
    return grid


def _nearest_table(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _table_name(table: etree._Element) -> str:
    """The caption, else the nearest heading before the table (how readers name it)."""
    caption = table.find("caption")
    if caption is not None and _cell_text(caption):
        return _cell_text(caption)[:200]
    for previous in table.itersiblings(preceding=True):
        if isinstance(previous.tag, str) and previous.tag.lower() in _HEADINGS:
            return _cell_text(previous)[:200]
    parent = table.getparent()
    while parent is not None:
        for previous in parent.itersiblings(preceding=True):
            if isinstance(previous.tag, str) and previous.tag.lower() in _HEADINGS:
                return _cell_text(previous)[:200]
        parent = parent.getparent()
    return ""


def html_tables(root: etree._Element, is_hidden=None) -> list[dict]:
    """Every visible table of a parsed page as `{"name", "rows"}`, within the size limits."""
    tables = []
    budget = MAX_HTML_TABLE_CELLS
    for table in root.iter("table"):
        if len(tables) >= MAX_HTML_TABLES or budget <= 0:
            break
        if is_hidden is not None and any(is_hidden(e) for e in [table, *table.iterancestors()]):
            continue
        rows = html_table_grid(table, budget)
        rows = [row for row in rows if any(cell for cell in row)]
        if not rows:
            continue
        budget -= sum(len(row) for row in rows)
        tables.append({"name": _table_name(table), "rows": rows})
    return tables


# --- Finding a cell by its labels -----------------------------------------------------------


@dataclass(frozen=True)
class CellLookup:
    """Where the labels led: the cell's text, or which label was not found."""

    found: bool
    text: str = ""
    table_name: str = ""
    missing: str = ""  # "row" / "column" / "sheet" / "table"
    missing_label: str = ""
    renamed_from: str = ""  # the sheet named in the citation, when the cell is in another
    row: int = -1
    column: int = -1


def _match_labels(cells: Sequence[str], labels: Sequence[str]) -> list[int] | None:
    """Indexes of `cells` holding every label, each in its own cell, first match each; None."""
    used: list[int] = []
    for label in labels:
        index = next((i for i, cell in enumerate(cells) if cell == label and i not in used), None)
        if index is None:
            return None
        used.append(index)
    return used


def _longest_matched(columns: list[list[str]], labels: list[str]) -> int:
    best = 0
    for cells in columns:
        count = 0
        while count < len(labels) and _match_labels(cells, labels[: count + 1]) is not None:
            count += 1
        best = max(best, count)
    return best


def _locate_in_table(
    rows: list[list[str]], row_labels: list[str], column_labels: list[str]
) -> tuple[int, int] | str:
    """(row, column) of the cell, or "row" / "column" for the labels that matched nothing."""
    width = max((len(row) for row in rows), default=0)
    folded = [[fold_label(cell) for cell in row] + [""] * (width - len(row)) for row in rows]
    # Headers: a merged or spanned header stands over every column to its right until the
    # next one (spreadsheets keep the value in the first cell of a merge only).
    across = []
    for row in folded:
        filled, last = [], ""
        for cell in row:
            last = cell or last
            filled.append(last)
        across.append(filled)
    columns: list[tuple[int, int, bool]] = []  # (column, header bottom row, exact headers)
    for column in range(width):
        cells = [across[r][column] for r in range(len(folded))]
        hits = _match_labels(cells, column_labels)
        if hits is not None:
            exact = all(folded[r][column] for r in hits)
            columns.append((column, max(hits), exact))
    if not columns:
        return "column"
    columns.sort(key=lambda c: (not c[2], c[0]))
    for column, header_bottom, _ in columns:
        # Row labels sit left of the cell, below the headers; a grouped label ("2024" over
        # three rows) stands for the empty cells under it.
        above = [""] * column
        for row_index in range(header_bottom + 1, len(folded)):
            stub = folded[row_index][:column]
            stub = [cell or above[i] for i, cell in enumerate(stub)]
            above = stub
            if _match_labels(stub, row_labels) is not None:
                return row_index, column
    return "row"


def locate_cell(
    tables: list[dict], sheet: str, row_labels: list[str], column_labels: list[str]
) -> CellLookup:
    """Find the cell named by its sheet (or table name), row labels and column labels.

    Without a sheet, the first table holding the labels. A named sheet that is gone, with the
    cell found by its labels in another sheet, is reported as renamed.
    """
    rows_wanted = [fold_label(label) for label in row_labels]
    columns_wanted = [fold_label(label) for label in column_labels]
    if not tables:
        return CellLookup(False, missing="table", missing_label=sheet)
    named = [t for t in tables if sheet and fold_label(t.get("name", "")) == fold_label(sheet)]
    candidates = named or tables
    first_failure = None
    for table in candidates:
        where = _locate_in_table(table.get("rows", []), rows_wanted, columns_wanted)
        if isinstance(where, tuple):
            row, column = where
            text = table["rows"][row][column] if column < len(table["rows"][row]) else ""
            renamed = sheet if sheet and not named and any(t.get("name") for t in tables) else ""
            return CellLookup(True, text, table.get("name", ""), renamed_from=renamed, row=row,
                              column=column)  # fmt: skip
        first_failure = first_failure or (table, where)
    if sheet and not named and any(t.get("name") for t in tables):
        return CellLookup(False, missing="sheet", missing_label=sheet)
    table, what = first_failure
    if what == "column":
        columns = [
            [fold_label(row[c]) if c < len(row) else "" for row in table["rows"]]
            for c in range(max(len(row) for row in table["rows"]))
        ]
        label = column_labels[
            min(_longest_matched(columns, columns_wanted), len(column_labels) - 1)
        ]
        return CellLookup(False, table_name=table.get("name", ""), missing="column",
                          missing_label=label)  # fmt: skip
    return CellLookup(False, table_name=table.get("name", ""), missing="row",
                      missing_label=" / ".join(row_labels))  # fmt: skip
