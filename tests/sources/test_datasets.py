"""Datasets as sources: CSV, XLSX and ODS written here, served from 127.0.0.1, checked."""

from __future__ import annotations

import multiprocessing
import time
import tracemalloc
from pathlib import Path

import pytest

from claims.models import Claim
from sources.checking import check_source
from sources.datasets import DatasetLimits, DatasetRefused, dataset_kind, read_dataset
from sources.demo_dataset import (
    RETURNS_CITATION,
    RETURNS_ROWS,
    XLSX_TYPE,
    add_returns_dataset,
    returns_sheets,
    returns_workbook,
)
from sources.extraction import ExtractionError, extract
from sources.models import Citation, Source
from tests.factories import CitationFactory, PublishedClaimFactory, SourceFactory
from tests.support.servers import Site
from tests.support.workbooks import (
    forged_size_xlsx,
    giant_xlsx,
    ods_bytes,
    xlsx_bomb,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"
RETURNS_CSV = """Year,Return type,Returns
2023,Enforced returns,"3,380"
2023,All returns,"7,900"
2024,Enforced returns,"3,850 [r]"
2024,All returns,"9,400 [r]"
"""


@pytest.fixture
def site(httpserver, settings):
    settings.SOURCES_TOTAL_TIMEOUT = 5
    return Site(httpserver)


def cell_citation(site: Site, path: str, **locator) -> Citation:
    source = SourceFactory(url=site.url(path), title="")
    return CitationFactory(
        source=source,
        claim=PublishedClaimFactory(),
        excerpt="",
        locator_kind=Citation.LocatorKind.DATASET_CELL,
        **locator,
    )


def checked(citation: Citation) -> tuple[Citation, Claim, str]:
    check = check_source(citation.source_id)
    citation.refresh_from_db()
    claim = Claim.objects.get(pk=citation.claim_id)
    return citation, claim, check.outcome


def serve_xlsx(site: Site, rows=None, sheets=None) -> None:
    body = xlsx_bytes(sheets) if sheets is not None else returns_workbook(rows)
    site.set("/returns.xlsx", body, **{"Content-Type": XLSX_TYPE})


def revised(rows: list[list], value: str) -> list[list]:
    """The returns rows with the 2024 year-to-date total of all returns replaced."""
    return [[*row[:-1], value] if row[0] == "All returns" else row for row in rows]


# --- CSV ----------------------------------------------------------------------------------


def test_csv_cell_found_then_revised_value_is_figure_changed_naming_both(site):
    site.set("/returns.csv", RETURNS_CSV, **{"Content-Type": "text/csv"})
    citation = cell_citation(
        site, "/returns.csv", row_labels=["2024", "All returns"], column_labels=["Returns"],
        expected_value="9,400",
    )  # fmt: skip
    citation, claim, outcome = checked(citation)
    assert outcome == "ok"
    assert citation.excerpt_state == "present" and citation.found_figure == "9,400"
    assert citation.found_text == "9,400 [r]" and not claim.needs_attention

    site.set("/returns.csv", RETURNS_CSV.replace("9,400 [r]", "9,450 [r]"),
             **{"Content-Type": "text/csv"})  # fmt: skip
    citation, claim, outcome = checked(citation)
    assert outcome == "changed"
    assert citation.excerpt_state == "figure_changed" and citation.found_figure == "9,450"
    assert claim.needs_attention
    assert "9,400 → 9,450 (marked revised)" in claim.attention_reason
    assert "2024 / All returns × Returns" in claim.attention_reason


def test_csv_keeps_its_text_for_excerpts_as_before(site):
    body = RETURNS_CSV.encode()
    extracted = extract(body, "text/csv")
    assert extracted.main_text == RETURNS_CSV.strip() and extracted.kind == "text"
    assert extracted.tables[0]["rows"][4] == ["2024", "All returns", "9,400 [r]"]


def test_csv_semicolons_are_sniffed():
    tables = read_dataset(b"", "csv", "Year;Returns\n2024;9 400\n").tables
    assert tables[0]["rows"] == [["Year", "Returns"], ["2024", "9 400"]]


def test_csv_over_the_row_limit_is_too_large(site, settings):
    settings.SOURCES_DATASET_MAX_ROWS = 1000
    body = "Year,Returns\n" + "".join(f"{year},1\n" for year in range(5000))
    site.set("/big.csv", body, **{"Content-Type": "text/csv"})
    citation = cell_citation(site, "/big.csv", row_labels=["2024"], column_labels=["Returns"],
                             expected_value="1")  # fmt: skip
    citation, _, outcome = checked(citation)
    assert outcome == "too_large"
    check = citation.source.checks.get()
    assert "more than 1000 rows" in check.error
    assert citation.excerpt_state == "unknown"  # a failed check leaves the evidence alone


# --- XLSX: the demo returns workbook ------------------------------------------------------


@pytest.fixture
def returns(site):
    serve_xlsx(site)
    return cell_citation(site, "/returns.xlsx", **RETURNS_CITATION)


def test_xlsx_cell_under_a_merged_two_row_header_is_found(returns):
    citation, claim, outcome = checked(returns)
    assert outcome == "ok"
    assert citation.excerpt_state == "present"
    assert (citation.found_text, citation.found_figure) == ("9,400 [r]", "9,400")
    assert citation.excerpt == "Returns: All returns × 2024 / Year to date"
    assert not claim.needs_attention
    source = Source.objects.get(pk=citation.source_id)
    assert source.title.startswith("Table RT_01: Returns of people")
    assert source.current_snapshot.tables[0]["name"] == "Returns"


def test_xlsx_revised_value_is_figure_changed_old_to_new(site, returns):
    checked(returns)
    serve_xlsx(site, revised(RETURNS_ROWS, "9,450 [r]"))
    citation, claim, outcome = checked(returns)
    assert outcome == "changed"
    assert citation.excerpt_state == "figure_changed"
    assert citation.found_figure == "9,450" and citation.found_text == "9,450 [r]"
    assert "Figure 9,400 → 9,450 (marked revised)" in claim.attention_reason
    assert "Returns: All returns × 2024 / Year to date" in claim.attention_reason


def test_xlsx_revised_marker_alone_keeps_the_figure_present(site, returns):
    serve_xlsx(site, revised(RETURNS_ROWS, 9400))  # the same value, now a plain number
    citation, claim, _ = checked(returns)
    assert citation.excerpt_state == "present" and citation.found_figure == "9400"
    assert not claim.needs_attention


def test_xlsx_suppressed_value_is_reported_with_its_marker(site, returns):
    checked(returns)
    serve_xlsx(site, revised(RETURNS_ROWS, "[c]"))
    citation, claim, _ = checked(returns)
    assert citation.excerpt_state == "figure_changed" and citation.found_figure == "[c]"
    assert "9,400 → [c] (suppressed or not available)" in claim.attention_reason


@pytest.mark.parametrize("marker", ["[x]", "..", "[z]"])
def test_xlsx_unavailable_markers_are_not_values(site, returns, marker):
    serve_xlsx(site, revised(RETURNS_ROWS, marker))
    citation, _, _ = checked(returns)
    assert citation.excerpt_state == "figure_changed" and citation.found_figure == marker


def test_xlsx_row_moved_is_still_found(site, returns):
    checked(returns)
    moved = [RETURNS_ROWS[3], *RETURNS_ROWS[:3]]  # "All returns" first
    serve_xlsx(site, moved)
    citation, claim, outcome = checked(returns)
    assert outcome == "changed"  # the workbook changed ...
    assert citation.excerpt_state == "present" and citation.found_figure == "9,400"
    assert not claim.needs_attention  # ... but not the cited figure


def test_xlsx_column_inserted_before_the_cell_is_still_found(site, returns):
    checked(returns)
    sheets = returns_sheets()
    grid = sheets["Returns"]["rows"]
    sheets["Returns"]["rows"] = [
        grid[0],
        [*grid[1][:1], "Source", *grid[1][1:]],
        [*grid[2][:1], "", *grid[2][1:]],
        *([row[0], "Home Office", *row[1:]] for row in grid[3:]),
    ]
    sheets["Returns"]["merges"] = ["C2:G2", "H2:L2"]
    serve_xlsx(site, sheets=sheets)
    citation, claim, _ = checked(returns)
    assert citation.excerpt_state == "present" and citation.found_text == "9,400 [r]"
    assert not claim.needs_attention


def test_xlsx_sheet_renamed_is_reported_and_the_cell_still_read(site, returns):
    checked(returns)
    sheets = returns_sheets(revised(RETURNS_ROWS, "9,450 [r]"))
    sheets = {"Table 1" if name == "Returns" else name: sheet for name, sheet in sheets.items()}
    serve_xlsx(site, sheets=sheets)
    citation, claim, _ = checked(returns)
    assert citation.excerpt_state == "figure_changed" and citation.found_figure == "9,450"
    assert "sheet “Returns” is now “Table 1”" in claim.attention_reason


def test_xlsx_sheet_renamed_with_the_same_value_is_flagged_as_reworded(site, returns):
    sheets = {"Table 1" if n == "Returns" else n: s for n, s in returns_sheets().items()}
    serve_xlsx(site, sheets=sheets)
    citation, claim, _ = checked(returns)
    assert citation.excerpt_state == "reworded"
    assert claim.needs_attention and "“Returns” is now “Table 1”" in claim.attention_reason


def test_xlsx_sheet_gone_names_the_sheet_and_the_sheets_left(site, returns):
    sheets = {"Notes": returns_sheets()["Notes"]}
    serve_xlsx(site, sheets=sheets)
    citation, claim, _ = checked(returns)
    assert citation.excerpt_state == "missing"
    assert citation.found_text == "Sheet “Returns” is gone (sheets now: “Notes”)."
    assert "check the labels" in claim.attention_reason  # first look: maybe mistyped


def test_xlsx_missing_row_and_missing_column_say_which_label(site, returns):
    checked(returns)
    serve_xlsx(site, [row for row in RETURNS_ROWS if row[0] != "All returns"])
    citation, claim, _ = checked(returns)
    assert citation.excerpt_state == "missing"
    assert citation.found_text == "The row “All returns” is gone from “Returns”."
    assert "All returns" in claim.attention_reason

    other = CitationFactory(
        source=returns.source, claim=PublishedClaimFactory(), excerpt="", sheet="Returns",
        locator_kind=Citation.LocatorKind.DATASET_CELL, row_labels=["All returns"],
        column_labels=["2025", "Year to date"], expected_value="1",
    )  # fmt: skip
    serve_xlsx(site)
    other, _, _ = checked(other)
    assert other.excerpt_state == "missing"
    assert other.found_text == "The column “2025” is gone from “Returns”."


def test_an_edited_locator_is_looked_up_again_on_an_unchanged_file(site, returns):
    checked(returns)
    returns.column_labels = ["2023", "Year total"]
    returns.expected_value = "7,900"
    returns.save()
    citation, _, outcome = checked(returns)  # the same bytes: no extraction, same snapshot
    assert outcome == "ok"
    assert citation.excerpt_state == "present" and citation.found_figure == "7900"


def test_cell_citation_needs_labels_and_a_value():
    from django.core.exceptions import ValidationError

    citation = Citation(locator_kind=Citation.LocatorKind.DATASET_CELL, excerpt="")
    with pytest.raises(ValidationError) as error:
        citation.clean()
    assert {"row_labels", "column_labels", "expected_value"} <= set(error.value.message_dict)


# --- ODS ----------------------------------------------------------------------------------


def ods_returns(all_returns: str | int = "9,400 [r]", *, moved: bool = False) -> bytes:
    rows = [
        ["Year", "Return type", "Returns"],
        ["2023", "All returns", 7900],
        ["2024", "Enforced returns", "3,850 [r]"],
        ["2024", "All returns", all_returns],
    ]
    if moved:
        rows = [rows[0], rows[3], rows[1], rows[2]]
    # LibreOffice writes an empty row repeated to the end of the sheet: that is no giant sheet.
    return ods_bytes({"Returns": {"rows": rows}}, trailing_empty_rows=1_048_570)


def test_ods_cell_found_revised_and_moved(site):
    site.set("/returns.ods", ods_returns(), **{"Content-Type": ODS_TYPE})
    citation = cell_citation(site, "/returns.ods", sheet="Returns",
                             row_labels=["2024", "All returns"], column_labels=["Returns"],
                             expected_value="9,400")  # fmt: skip
    citation, _, outcome = checked(citation)
    assert outcome == "ok" and citation.excerpt_state == "present"

    site.set("/returns.ods", ods_returns(moved=True), **{"Content-Type": ODS_TYPE})
    citation, claim, _ = checked(citation)
    assert citation.excerpt_state == "present" and not claim.needs_attention

    site.set("/returns.ods", ods_returns("9,512 [r]", moved=True), **{"Content-Type": ODS_TYPE})
    citation, claim, _ = checked(citation)
    assert citation.excerpt_state == "figure_changed" and citation.found_figure == "9,512"
    assert "9,400 → 9,512" in claim.attention_reason


def test_ods_sent_as_octet_stream_is_recognised():
    body = ods_returns()
    assert dataset_kind("application/octet-stream", body) == "ods"
    assert dataset_kind("application/octet-stream", returns_workbook()) == "xlsx"
    assert extract(body, "application/octet-stream").kind == "dataset"


# --- Limits: zip bombs and giant sheets ---------------------------------------------------


def _vm_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _extract_traced(body: bytes, content_type: str) -> tuple[str, str, int, int, float]:
    """Extract in a forked child: (outcome, error, Python peak bytes, RSS growth bytes, s).

    tracemalloc counts what Python allocates; the resident-set high-water mark (reset at the
    start of the child) also counts what the Rust reader would allocate.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def measure() -> None:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        rss_before = _vm_kb("VmRSS")
        tracemalloc.start()
        started = time.monotonic()
        try:
            extract(body, content_type)
            outcome, error = "ok", ""
        except ExtractionError as refusal:
            outcome, error = refusal.outcome, str(refusal)
        _, peak = tracemalloc.get_traced_memory()
        growth = (_vm_kb("VmHWM") - rss_before) * 1024
        sender.send((outcome, error, peak, growth, time.monotonic() - started))

    child = context.Process(target=measure, daemon=True)
    child.start()
    try:
        assert receiver.poll(60), "the extraction did not finish"
        return receiver.recv()
    finally:
        child.join(10)
        if child.is_alive():
            child.kill()


def test_zip_bomb_is_refused_from_its_directory_with_bounded_memory():
    bomb = xlsx_bomb(1024 * MB)  # 1 GB of sheet XML in about 1 MB
    assert len(bomb) < 2 * MB
    outcome, error, peak, growth, seconds = _extract_traced(bomb, XLSX_TYPE)
    assert outcome == "too_large"
    assert "expands to 1073741" in error and "xl/worksheets/sheet1.xml" in error
    assert peak < 4 * MB + 2 * len(bomb), f"peak {peak} bytes"
    assert growth < 16 * MB, f"RSS grew {growth} bytes"
    assert seconds < 5


def test_zip_bomb_under_the_size_limits_is_refused_by_its_compression_ratio(settings):
    settings.SOURCES_DATASET_MAX_MEMBER_BYTES = 500 * MB
    settings.SOURCES_DATASET_MAX_UNCOMPRESSED_BYTES = 500 * MB
    with pytest.raises(ExtractionError, match=r"compressed 1\d{3} to 1") as refusal:
        extract(xlsx_bomb(64 * MB), XLSX_TYPE)
    assert refusal.value.outcome == "too_large"


def test_zip_entry_that_lies_about_its_size_is_refused_with_bounded_memory():
    forged = forged_size_xlsx(200 * MB, declared=100_000)
    outcome, error, peak, growth, _ = _extract_traced(forged, XLSX_TYPE)
    assert outcome == "too_large"
    assert "expands beyond the 100000 bytes its directory entry declares" in error
    assert peak < 4 * MB + 2 * len(forged), f"peak {peak} bytes"
    assert growth < 16 * MB, f"RSS grew {growth} bytes"


def test_million_row_sheet_is_refused_with_bounded_memory(settings):
    giant = giant_xlsx(1_000_000)
    settings.SOURCES_MAX_BYTES = 20 * MB  # let the fetcher's cap pass it: the row limit decides
    outcome, error, peak, growth, _ = _extract_traced(giant, XLSX_TYPE)
    assert outcome == "too_large" and "more than 100000 rows" in error
    assert peak < 4 * MB + 2 * len(giant), f"peak {peak} bytes"
    assert growth < 32 * MB, f"RSS grew {growth} bytes"


def test_million_row_workbook_served_is_a_recorded_too_large_check(site, settings):
    settings.SOURCES_MAX_BYTES = 20 * MB
    site.set("/giant.xlsx", giant_xlsx(1_000_000), **{"Content-Type": XLSX_TYPE})
    citation = cell_citation(site, "/giant.xlsx", row_labels=["1"], column_labels=["x"],
                             expected_value="1")  # fmt: skip
    citation, _, outcome = checked(citation)
    assert outcome == "too_large"
    assert "more than 100000 rows" in citation.source.checks.get().error


def test_workbook_over_the_fetchers_byte_cap_is_too_large(site, settings):
    settings.SOURCES_MAX_BYTES = 1 * MB
    site.set("/giant.xlsx", giant_xlsx(1_000_000), **{"Content-Type": XLSX_TYPE})
    source = SourceFactory(url=site.url("/giant.xlsx"))
    assert check_source(source.pk).outcome == "too_large"


def test_far_away_cell_makes_a_sheet_too_large_before_it_is_read():
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="90000"><c r="XFD90000"><v>1</v></c></row></sheetData></worksheet>'
    )
    workbook = _with_sheet_xml(sheet)
    with pytest.raises(DatasetRefused, match="more than 500000 cells"):
        read_dataset(workbook, "xlsx")


def test_sheet_with_a_dtd_is_refused():
    sheet = (
        '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaa">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData/></worksheet>"
    )
    with pytest.raises(DatasetRefused, match="declares a DTD") as refusal:
        read_dataset(_with_sheet_xml(sheet), "xlsx")
    assert refusal.value.outcome == "unsupported"


def test_not_a_zip_is_unsupported(site):
    site.set("/broken.xlsx", b"PK\x03\x04 not really", **{"Content-Type": XLSX_TYPE})
    source = SourceFactory(url=site.url("/broken.xlsx"))
    check = check_source(source.pk)
    assert check.outcome == "unsupported" and "not a valid zip" in check.error


def _with_sheet_xml(sheet_xml: str) -> bytes:
    import io
    import zipfile

    original = zipfile.ZipFile(io.BytesIO(xlsx_bytes({"Data": {"rows": [["x"]]}})))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in original.infolist():
            data = sheet_xml if info.filename.endswith("sheet1.xml") else original.read(info)
            archive.writestr(info.filename, data)
    return buffer.getvalue()


def test_limits_come_from_settings(settings):
    settings.SOURCES_DATASET_MAX_ROWS = 7
    assert DatasetLimits.from_settings().max_rows == 7


# --- Demo and API -------------------------------------------------------------------------


def test_demo_dataset_citation_is_idempotent_and_points_at_the_9400_cell():
    claim = PublishedClaimFactory()
    first = add_returns_dataset(claim)
    second = add_returns_dataset(claim)
    assert first.pk == second.pk and Citation.objects.filter(claim=claim).count() == 1
    assert Source.objects.filter(url=first.source.url).count() == 1
    assert first.source.current_snapshot.tables[0]["name"] == "Returns"
    assert (first.expected_value, first.found_figure) == ("9,400", "9,400")
    assert first.source.kind == Source.Kind.OFFICIAL_STATISTICS


def test_api_shows_the_locator_and_the_found_value(site, returns, client):
    checked(returns)
    answer = client.get(f"/api/v1/citations/{returns.pk}/")
    assert answer.status_code == 200
    data = answer.json()
    assert data["locator_kind"] == "dataset_cell" and data["sheet"] == "Returns"
    assert data["row_labels"] == ["All returns"]
    assert data["column_labels"] == ["2024", "Year to date"]
    assert data["expected_value"] == "9,400"
    assert (data["excerpt_state"], data["found_figure"], data["found_text"]) == (
        "present",
        "9,400",
        "9,400 [r]",
    )
