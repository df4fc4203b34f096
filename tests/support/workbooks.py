"""Spreadsheets written by hand for tests: ODS and XLSX files, giant sheets and zip bombs.

Only the zip container and the XML each format needs, so the tests depend on no writer
library; XLSX comes from sources.demo_dataset's minimal writer.
"""

from __future__ import annotations

import io
import struct
import zipfile
from xml.sax.saxutils import escape

from sources.demo_dataset import xlsx_bytes

__all__ = ["forged_size_xlsx", "giant_xlsx", "ods_bytes", "xlsx_bomb", "xlsx_bytes"]

_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def _ods_cell(value) -> str:
    if value in ("", None):
        return "<table:table-cell/>"
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p>'
        "</table:table-cell>"
    )


def ods_bytes(sheets: dict[str, dict], trailing_empty_rows: int = 0) -> bytes:
    """A minimal valid ODS of `{name: {"rows": [[...]]}}`; `trailing_empty_rows` adds the
    repeated empty row that LibreOffice writes up to the sheet's end."""
    tables = []
    for name, sheet in sheets.items():
        rows = "".join(
            f"<table:table-row>{''.join(_ods_cell(v) for v in row)}</table:table-row>"
            for row in sheet["rows"]
        )
        if trailing_empty_rows:
            rows += (
                f'<table:table-row table:number-rows-repeated="{trailing_empty_rows}">'
                '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
            )
        tables.append(f'<table:table table:name="{escape(name)}">{rows}</table:table>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content {_ODS_NS} office:version="1.2">'
        f"<office:body><office:spreadsheet>{''.join(tables)}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def _replace_sheet(workbook: bytes, sheet_writer) -> bytes:
    """`workbook` with xl/worksheets/sheet1.xml rewritten by `sheet_writer(stream)`."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with archive.open(info.filename, "w") as stream:
                    sheet_writer(stream)
            else:
                archive.writestr(info.filename, source.read(info))
    return buffer.getvalue()


def giant_xlsx(rows: int) -> bytes:
    """An XLSX whose one sheet has `rows` rows of one cell, written piece by piece."""

    def write(stream) -> None:
        stream.write(
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
            b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        )
        batch = []
        for number in range(1, rows + 1):
            batch.append(b"<row><c><v>%d</v></c></row>" % number)
            if len(batch) == 10_000:
                stream.write(b"".join(batch))
                batch = []
        stream.write(b"".join(batch) + b"</sheetData></worksheet>")

    return _replace_sheet(xlsx_bytes({"Data": {"rows": [["x"]]}}), write)


def xlsx_bomb(expanded_bytes: int) -> bytes:
    """An XLSX whose sheet expands to `expanded_bytes` (a run of spaces inside the XML)."""

    def write(stream) -> None:
        stream.write(
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
            b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        )
        block = b" " * (1024 * 1024)
        for _ in range(expanded_bytes // len(block)):
            stream.write(block)
        stream.write(b"</sheetData></worksheet>")

    return _replace_sheet(xlsx_bytes({"Data": {"rows": [["x"]]}}), write)


def forged_size_xlsx(expanded_bytes: int, declared: int = 1000) -> bytes:
    """A bomb whose zip entries (local and central) claim the sheet is only `declared` bytes."""
    body = bytearray(xlsx_bomb(expanded_bytes))
    info = zipfile.ZipFile(io.BytesIO(bytes(body))).getinfo("xl/worksheets/sheet1.xml")
    name = info.filename.encode()
    # The uncompressed size: at offset 22 of the local header, 24 of the central entry.
    body[info.header_offset + 22 : info.header_offset + 26] = struct.pack("<I", declared)
    central = body.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack("<H", body[central + 28 : central + 30])[0]
        if bytes(body[central + 46 : central + 46 + name_length]) == name:
            body[central + 24 : central + 28] = struct.pack("<I", declared)
            break
        central = body.find(b"PK\x01\x02", central + 4)
    return bytes(body)
