"""Statistical datasets as sources: CSV, XLSX and ODS files read into tables of cell texts.

Workbooks are read with python-calamine (cached values only: no formula is evaluated, no
external link followed). A workbook is a zip archive, and a small one can expand to gigabytes
or to a sheet of millions of cells, so before calamine sees it:

1. the compressed size is the fetcher's body cap (SOURCES_MAX_BYTES);
2. the zip's central directory is read: member count, each member's and the total
   uncompressed size and each large member's compression ratio must be within the limits;
3. every member is decompressed here, in small pieces, checking that it is no larger than its
   directory entry says (a forged entry is refused), and each sheet's XML is scanned with
   expat (no tree kept, no DTD allowed) counting rows and cells, and the area from A1 to the
   last used cell, which is what calamine allocates.

A limit exceeded raises DatasetRefused with the outcome the check records (too_large, or
unsupported for a file that cannot be read) and a message that says which limit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from xml.parsers import expat

from django.conf import settings
from python_calamine import CalamineError, CalamineWorkbook

from sources.models import SourceCheck

Outcome = SourceCheck.Outcome

CSV_TYPES = {"text/csv", "application/csv", "text/comma-separated-values"}
XLSX_TYPES = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
ODS_TYPES = {"application/vnd.oasis.opendocument.spreadsheet"}
GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/zip"}
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

MAX_ZIP_MEMBERS = 10_000
# Below this size a member's compression ratio says nothing (small XML compresses very well).
RATIO_CHECKED_ABOVE = 1024 * 1024
STEP = 64 * 1024

_SML = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
}
_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
# Element names as expat reports them with namespace_separator=" ".
_XLSX_ROW = {f"{namespace} row" for namespace in _SML}
_XLSX_CELL = {f"{namespace} c" for namespace in _SML}
_ODS_SHEET = f"{_ODS_TABLE} table"
_ODS_ROW = f"{_ODS_TABLE} table-row"
_ODS_CELL = {f"{_ODS_TABLE} table-cell", f"{_ODS_TABLE} covered-table-cell"}
_ODS_VALUE_TYPE = f"{_ODS_OFFICE} value-type"
_ODS_TEXT_P = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 p"


class DatasetRefused(Exception):
    """The dataset is over a limit or cannot be read; `outcome` is what the check records."""

    def __init__(self, outcome: str, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome


@dataclass(frozen=True)
class DatasetLimits:
    max_uncompressed_bytes: int
    max_member_bytes: int
    max_ratio: float
    max_rows: int
    max_cells: int

    @classmethod
    def from_settings(cls) -> DatasetLimits:
        return cls(
            max_uncompressed_bytes=settings.SOURCES_DATASET_MAX_UNCOMPRESSED_BYTES,
            max_member_bytes=settings.SOURCES_DATASET_MAX_MEMBER_BYTES,
            max_ratio=settings.SOURCES_DATASET_MAX_RATIO,
            max_rows=settings.SOURCES_DATASET_MAX_ROWS,
            max_cells=settings.SOURCES_DATASET_MAX_CELLS,
        )


@dataclass(frozen=True)
class Dataset:
    title: str
    text: str  # every sheet as text, where excerpts are sought and changes are hashed
    tables: list[dict]  # [{"name": sheet, "rows": [[cell text]]}]


def dataset_kind(content_type: str, body: bytes) -> str | None:
    """csv, xlsx or ods from the declared type, sniffing zip archives sent as generic types."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in CSV_TYPES:
        return "csv"
    if media_type in XLSX_TYPES:
        return "xlsx"
    if media_type in ODS_TYPES:
        return "ods"
    if media_type in GENERIC_TYPES and body.startswith(b"PK\x03\x04"):
        # ODF puts an uncompressed "mimetype" member first; OOXML has xl/workbook.xml.
        if body[30:38] == b"mimetype" and ODS_MIMETYPE in body[38:120]:
            return "ods"
        if b"xl/workbook.xml" in body[:65536] or b"xl/workbook.xml" in body[-65536:]:
            return "xlsx"
    return None


# --- Zip inspection -------------------------------------------------------------------------


def inspect_workbook_zip(body: bytes, limits: DatasetLimits) -> None:
    """Refuse a workbook whose archive or sheets are over the limits (module docstring)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise DatasetRefused(
            Outcome.UNSUPPORTED, f"The workbook is not a valid zip: {error}"
        ) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise DatasetRefused(
            Outcome.TOO_LARGE, f"The workbook has {len(members)} parts (limit {MAX_ZIP_MEMBERS})."
        )
    total = 0
    for member in members:
        if member.file_size > limits.max_member_bytes:
            raise DatasetRefused(
                Outcome.TOO_LARGE,
                f"Workbook part {member.filename!r} expands to {member.file_size} bytes "
                f"(limit {limits.max_member_bytes}).",
            )
        total += member.file_size
        if total > limits.max_uncompressed_bytes:
            raise DatasetRefused(
                Outcome.TOO_LARGE,
                f"The workbook expands to more than {limits.max_uncompressed_bytes} bytes.",
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_ABOVE and ratio > limits.max_ratio:
            raise DatasetRefused(
                Outcome.TOO_LARGE,
                f"Workbook part {member.filename!r} is compressed {ratio:.0f} to 1 "
                f"(limit {limits.max_ratio:g} to 1): a zip bomb?",
            )
    counter = _SheetCounter(limits)
    for member in members:
        is_sheet_xml = member.filename.lower().endswith(".xml")
        for piece in _member_pieces(body, member):
            if is_sheet_xml:
                counter.feed(member.filename, piece)
        if is_sheet_xml:
            counter.finish(member.filename)


def _member_pieces(body: bytes, member: zipfile.ZipInfo):
    """The member's bytes in pieces of at most STEP, refusing more than its entry declares."""
    if member.flag_bits & 0x1:
        raise DatasetRefused(Outcome.UNSUPPORTED, "The workbook is encrypted.")
    header = body[member.header_offset : member.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise DatasetRefused(Outcome.UNSUPPORTED, f"Workbook part {member.filename!r} is corrupt.")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = member.header_offset + 30 + name_length + extra_length
    raw = memoryview(body)[start : start + member.compress_size]
    produced = 0
    if member.compress_type == zipfile.ZIP_STORED:
        pieces = (bytes(raw[i : i + STEP]) for i in range(0, len(raw), STEP))
    elif member.compress_type == zipfile.ZIP_DEFLATED:
        pieces = _inflate(raw, member)
    else:
        raise DatasetRefused(
            Outcome.UNSUPPORTED,
            f"Workbook part {member.filename!r} uses compression method {member.compress_type}.",
        )
    for piece in pieces:
        produced += len(piece)
        if produced > member.file_size:
            raise DatasetRefused(
                Outcome.TOO_LARGE,
                f"Workbook part {member.filename!r} expands beyond the {member.file_size} "
                "bytes its directory entry declares.",
            )
        yield piece


def _inflate(raw: memoryview, member: zipfile.ZipInfo):
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        # Small pieces of input: each call copies what it leaves unconsumed.
        for start in range(0, len(raw), STEP // 4):
            data = bytes(raw[start : start + STEP // 4])
            while data and not decompressor.eof:
                piece = decompressor.decompress(data, STEP)
                data = decompressor.unconsumed_tail
                if piece:
                    yield piece
            if decompressor.eof:
                break
        while not decompressor.eof:
            piece = decompressor.decompress(b"", STEP)
            if not piece:
                break
            yield piece
    except zlib.error as error:
        raise DatasetRefused(
            Outcome.UNSUPPORTED, f"Workbook part {member.filename!r} is corrupt: {error}"
        ) from None
    if not decompressor.eof:
        raise DatasetRefused(Outcome.UNSUPPORTED, f"Workbook part {member.filename!r} is cut off.")


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


class _SheetCounter:
    """Counts rows, cells and the used area of OOXML and ODF sheets as their XML streams by."""

    def __init__(self, limits: DatasetLimits) -> None:
        self.limits = limits
        self.cells = 0
        self.parser = None
        self.name = ""

    def _start_parser(self, name: str) -> None:
        self.name = name
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._refuse_dtd
        parser.EntityDeclHandler = self._refuse_dtd
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        self.parser = parser
        # OOXML sheet: next row / column when a row or cell has no reference.
        self.row = self.column = 0
        self.max_row = self.max_column = 0
        # ODF: rows repeated, whether the current row holds a value.
        self.row_repeat = 1
        self.row_has_value = False
        self.row_values = 0

    def feed(self, name: str, piece: bytes) -> None:
        if self.parser is None or name != self.name:
            self._start_parser(name)
        try:
            self.parser.Parse(piece, False)
        except expat.ExpatError as error:
            raise DatasetRefused(
                Outcome.UNSUPPORTED, f"Workbook part {name!r} is not valid XML: {error}"
            ) from None

    def finish(self, name: str) -> None:
        if self.parser is not None and name == self.name:
            try:
                self.parser.Parse(b"", True)
            except expat.ExpatError as error:
                raise DatasetRefused(
                    Outcome.UNSUPPORTED, f"Workbook part {name!r} is not valid XML: {error}"
                ) from None
            self._check()  # a far cell in the last row widens the used area too
        self.parser = None

    def _refuse_dtd(self, *args) -> None:
        raise DatasetRefused(Outcome.UNSUPPORTED, f"Workbook part {self.name!r} declares a DTD.")

    def _check(self) -> None:
        limits = self.limits
        if self.max_row > limits.max_rows:
            raise DatasetRefused(
                Outcome.TOO_LARGE, f"A sheet has more than {limits.max_rows} rows."
            )
        if self.cells > limits.max_cells or self.max_row * self.max_column > limits.max_cells:
            raise DatasetRefused(
                Outcome.TOO_LARGE, f"A sheet has more than {limits.max_cells} cells."
            )

    def _start(self, tag: str, attributes: dict) -> None:
        # Called for every element of the sheet: the common cases come first and stay cheap.
        if tag in _XLSX_CELL:
            match = _CELL_REF.match(attributes.get("r", ""))
            self.column = _column_number(match.group(1)) if match else self.column + 1
            if self.column > self.max_column:
                self.max_column = self.column
            self.cells += 1
            if self.cells > self.limits.max_cells:
                self._check()
        elif tag in _XLSX_ROW:
            reference = attributes.get("r", "")
            self.row = int(reference) if reference.isdigit() else self.row + 1
            self.column = 0
            self.max_row = max(self.max_row, self.row)
            self._check()
        elif tag in _ODS_CELL:
            repeat = _repeat(attributes, "number-columns-repeated")
            self.column += repeat
            if _ODS_VALUE_TYPE in attributes:
                self.row_has_value = True
                self.row_values += repeat
                self.max_column = max(self.max_column, self.column)
        elif tag == _ODS_ROW:
            self.row_repeat = _repeat(attributes, "number-rows-repeated")
            self.row_has_value = False
            self.row_values = 0
            self.column = 0
        elif tag == _ODS_TEXT_P:
            # A text cell in ODF may carry its text without a value-type attribute.
            self.row_has_value = True
        elif tag == _ODS_SHEET:
            self.row = self.max_row = self.max_column = 0

    def _end(self, tag: str) -> None:
        if tag == _ODS_ROW:
            self.row += self.row_repeat
            if self.row_has_value:
                # Trailing empty rows repeated to the sheet's end are normal and cost nothing.
                self.max_row = self.row
                self.cells += self.row_values * self.row_repeat
                self._check()


def _repeat(attributes: dict, name: str) -> int:
    value = attributes.get(f"{_ODS_TABLE} {name}", "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


# --- Reading --------------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return " ".join(str(value).split())


def read_workbook(body: bytes, limits: DatasetLimits) -> list[dict]:
    """Every sheet of an XLSX or ODS workbook as `{"name", "rows"}` after the zip checks."""
    inspect_workbook_zip(body, limits)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(body))
        tables = []
        cells = 0
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            rows = []
            for row in sheet.iter_rows():
                texts = [_cell_text(value) for value in row]
                while texts and not texts[-1]:
                    texts.pop()
                cells += len(texts)
                if len(rows) >= limits.max_rows or cells > limits.max_cells:
                    raise DatasetRefused(
                        Outcome.TOO_LARGE, f"The workbook has more than {limits.max_cells} cells."
                    )
                rows.append(texts)
            while rows and not rows[-1]:
                rows.pop()
            tables.append({"name": name, "rows": rows})
    except (CalamineError, ValueError, TypeError, OSError) as error:
        raise DatasetRefused(
            Outcome.UNSUPPORTED, f"The workbook could not be read: {error}"
        ) from None
    return tables


def read_csv(text: str, limits: DatasetLimits) -> list[dict]:
    """The CSV as one table (delimiter sniffed among , ; tab |), within the row/cell limits."""
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = []
    cells = 0
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            cells += len(row)
            if len(rows) >= limits.max_rows:
                raise DatasetRefused(
                    Outcome.TOO_LARGE, f"The CSV has more than {limits.max_rows} rows."
                )
            if cells > limits.max_cells:
                raise DatasetRefused(
                    Outcome.TOO_LARGE, f"The CSV has more than {limits.max_cells} cells."
                )
            rows.append([" ".join(cell.split()) for cell in row])
    except csv.Error as error:
        raise DatasetRefused(Outcome.UNSUPPORTED, f"The CSV could not be read: {error}") from None
    return [{"name": "", "rows": rows}]


def tables_as_text(tables: list[dict]) -> str:
    """Sheets as text: the sheet's name, then one line per row, cells separated by " | "."""
    parts = []
    for table in tables:
        if table["name"]:
            parts.append(table["name"])
        parts.extend(" | ".join(row) for row in table["rows"] if any(row))
    return "\n".join(parts)


def read_dataset(body: bytes, kind: str, text: str = "") -> Dataset:
    """Title, text and tables of a workbook (xlsx, ods) or of a CSV already decoded (`text`)."""
    limits = DatasetLimits.from_settings()
    if kind == "csv":
        tables = read_csv(text, limits)
        return Dataset(title=text.split("\n", 1)[0].strip()[:200], text=text, tables=tables)
    tables = read_workbook(body, limits)
    # Statistics workbooks put the table's title in A1 of the first sheet.
    first_cell = tables[0]["rows"][0][0] if tables and tables[0]["rows"] else ""
    title = first_cell if first_cell and not first_cell[0].isdigit() else ""
    return Dataset(title=title, text=tables_as_text(tables), tables=tables)
