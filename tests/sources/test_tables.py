"""Figures in HTML tables: a cell found again by its row and column labels at each check."""

from __future__ import annotations

import pytest

from claims.models import Claim
from sources.checking import check_source
from sources.extraction import extract
from sources.models import Citation
from sources.tables import locate_cell, read_cell, same_value
from tests.factories import CitationFactory, PublishedClaimFactory, SourceFactory
from tests.support.servers import Site

PARTNERSHIPS = [
    ("Serbia", "Intelligence sharing, joint operations"),
    ("North Macedonia", "Increased cooperation against trafficking routes"),
    ("Kosovo", "Enhanced monitoring and law enforcement support"),
    ("Albania (existing)", "Anti-illicit finance operations, gang disruption"),
]


def partnerships_page(rows=PARTNERSHIPS, *, extra_column: bool = False) -> str:
    """The seed article's partnerships table, as the page publishes it."""
    head = (
        "<th>Country</th>"
        + ("<th>Since</th>" if extra_column else "")
        + "<th>Partnership Focus</th>"
    )
    body = "".join(
        f"<tr><td>{country}</td>{'<td>2024</td>' if extra_column else ''}<td>{focus}</td></tr>"
        for country, focus in rows
    )
    return f"""<!doctype html><html><head><title>UK Prime Minister calls for action</title></head>
<body><article><h1>UK Prime Minister calls for united European action on smuggling</h1>
<p>In Budapest, the Prime Minister announced fresh agreements with Serbia, North Macedonia,
and Kosovo. These partnerships will improve intelligence sharing and enable targeted
operations to dismantle trafficking routes across the Western Balkans.</p>
<h2>UK Partnerships in the Western Balkans</h2>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<p>Backing these diplomatic efforts is the newly bolstered UK Border Security Command.</p>
</article></body></html>"""


STATISTICS_PAGE = """<!doctype html><html><body><main><h1>Immigration statistics</h1>
<p>Returns of people with no right to remain in the United Kingdom, by type and year.</p>
<table><caption>Table 2: Returns by type [note 1]</caption>
<tr><th rowspan="2">Year</th><th rowspan="2">Type</th><th colspan="2">{first}</th>
<th colspan="2">{second}</th></tr>
<tr><th>Jan to Jun</th><th>Jul to Dec</th><th>Jan to Jun</th><th>Jul to Dec</th></tr>
<tr><td rowspan="2">People</td><td>Enforced</td><td>1,620</td><td>1,760</td><td>2,450</td><td>{enforced}</td></tr>
<tr><td>All returns</td><td>3,750</td><td>4,150</td><td>5,950</td><td>{total}</td></tr>
</table></main></body></html>"""


def statistics_page(total="3,450 [r]", enforced="1,400", first="2023", second="2024") -> str:
    return STATISTICS_PAGE.format(total=total, enforced=enforced, first=first, second=second)


# --- Reading tables and cells -------------------------------------------------------------


def test_html_table_grid_spreads_spans_and_takes_the_heading_as_name():
    tables = extract(partnerships_page().encode(), "text/html").tables
    assert tables[0]["name"] == "UK Partnerships in the Western Balkans"
    assert tables[0]["rows"][1] == ["Serbia", "Intelligence sharing, joint operations"]
    stats = extract(statistics_page().encode(), "text/html").tables[0]
    assert stats["name"] == "Table 2: Returns by type [note 1]"
    assert stats["rows"][0] == ["Year", "Type", "2023", "2023", "2024", "2024"]
    assert stats["rows"][3][:2] == ["People", "All returns"]  # the rowspan covers it


def test_hidden_tables_are_not_read():
    html = "<html><body><p>text</p><table hidden><tr><td>a</td></tr></table></body></html>"
    assert extract(html.encode(), "text/html").tables == ()


def test_huge_spans_are_cut():
    html = '<html><body><p>t</p><table><tr><td colspan="99999">x</td></tr></table></body></html>'
    rows = extract(html.encode(), "text/html").tables[0]["rows"]
    assert len(rows[0]) == 1000
    bomb = '<html><body><p>t</p><table><tr><td colspan="999" rowspan="999">x</td></tr></table>'
    tables = extract(bomb.encode(), "text/html").tables
    assert sum(len(row) for table in tables for row in table["rows"]) <= 50_000


@pytest.mark.parametrize(
    ("text", "value", "markers", "unavailable"),
    [
        ("9,400 [r]", "9,400", ("r",), ""),
        ("9,400[note 3]", "9,400", ("note 3",), ""),
        ("9,400¹", "9,400", (), ""),
        ("[c]", "", ("c",), "[c]"),
        ("[x]", "", ("x",), "[x]"),
        ("..", "..", (), ".."),
        ("Serbia", "Serbia", (), ""),
    ],
)
def test_statistics_cell_markers_are_understood(text, value, markers, unavailable):
    cell = read_cell(text)
    assert (cell.value, cell.markers, cell.unavailable) == (value, markers, unavailable)


def test_values_compare_by_number_and_percentages_stored_as_fractions():
    assert same_value("9,400", read_cell("9400"))
    assert same_value("9 400", read_cell("9,400 [r]"))
    assert same_value("19%", read_cell("0.19"))
    assert not same_value("9,400", read_cell("9,450"))
    assert not same_value("9,400", read_cell("[c]"))


def test_grouped_row_labels_stand_for_the_empty_cells_below():
    rows = [["Year", "Type", "Returns"], ["2024", "Enforced", "3,850"], ["", "All", "9,400"]]
    found = locate_cell([{"name": "", "rows": rows}], "", ["2024", "All"], ["Returns"])
    assert found.found and found.text == "9,400"


# --- Checks against a page on 127.0.0.1 ---------------------------------------------------


@pytest.fixture
def site(httpserver, settings):
    settings.SOURCES_TOTAL_TIMEOUT = 5
    return Site(httpserver)


def table_citation(site, path, **locator) -> Citation:
    return CitationFactory(
        source=SourceFactory(url=site.url(path), title=""),
        claim=PublishedClaimFactory(),
        excerpt="",
        locator_kind=Citation.LocatorKind.TABLE_CELL,
        **locator,
    )


def checked(citation):
    check = check_source(citation.source_id)
    citation.refresh_from_db()
    return citation, Claim.objects.get(pk=citation.claim_id), check.outcome


@pytest.fixture
def serbia(site):
    site.set("/article", partnerships_page())
    return table_citation(
        site, "/article", sheet="UK Partnerships in the Western Balkans",
        row_labels=["Serbia"], column_labels=["Partnership Focus"],
        expected_value="Intelligence sharing, joint operations",
    )  # fmt: skip


@pytest.mark.django_db
def test_partnerships_cell_is_found_after_rows_reorder_and_a_column_is_inserted(site, serbia):
    citation, claim, _ = checked(serbia)
    assert citation.excerpt_state == "present"
    site.set("/article", partnerships_page(list(reversed(PARTNERSHIPS)), extra_column=True))
    citation, claim, outcome = checked(serbia)
    assert outcome == "changed"
    assert citation.excerpt_state == "present"
    assert citation.found_text == "Intelligence sharing, joint operations"
    assert not claim.needs_attention


@pytest.mark.django_db
def test_partnerships_cell_changed_is_named_old_to_new(site, serbia):
    checked(serbia)
    rows = [("Serbia", "Intelligence sharing only"), *PARTNERSHIPS[1:]]
    site.set("/article", partnerships_page(rows))
    citation, claim, _ = checked(serbia)
    assert citation.excerpt_state == "figure_changed"
    assert citation.found_figure == "Intelligence sharing only"
    assert (
        "Intelligence sharing, joint operations → Intelligence sharing only"
        in claim.attention_reason
    )


@pytest.mark.django_db
def test_partnerships_row_removed_is_missing_with_its_label(site, serbia):
    checked(serbia)
    site.set("/article", partnerships_page(PARTNERSHIPS[1:]))
    citation, claim, _ = checked(serbia)
    assert citation.excerpt_state == "missing"
    assert "row “Serbia” is gone" in citation.found_text
    assert "Serbia" in claim.attention_reason


@pytest.fixture
def returns_cell(site):
    site.set("/statistics", statistics_page())
    return table_citation(
        site, "/statistics", row_labels=["People", "All returns"],
        column_labels=["2024", "Jul to Dec"], expected_value="3,450",
    )  # fmt: skip


@pytest.mark.django_db
def test_statistics_table_value_revised_is_figure_changed(site, returns_cell):
    citation, _, _ = checked(returns_cell)
    assert citation.excerpt_state == "present" and citation.found_text == "3,450 [r]"
    site.set("/statistics", statistics_page(total="3,520 [r]"))
    citation, claim, _ = checked(returns_cell)
    assert citation.excerpt_state == "figure_changed" and citation.found_figure == "3,520"
    assert "Figure 3,450 → 3,520 (marked revised)" in claim.attention_reason


@pytest.mark.django_db
def test_statistics_table_columns_moved_still_finds_the_cell(site, returns_cell):
    checked(returns_cell)
    # The years swap places: the cell's column moves from the right to the left block.
    page = statistics_page(first="2024", second="2023")
    page = page.replace("<td>3,750</td><td>4,150</td><td>5,950</td><td>3,450 [r]</td>",
                        "<td>5,950</td><td>3,450 [r]</td><td>3,750</td><td>4,150</td>")  # fmt: skip
    site.set("/statistics", page)
    citation, claim, _ = checked(returns_cell)
    assert citation.excerpt_state == "present" and citation.found_text == "3,450 [r]"
    assert not claim.needs_attention


@pytest.mark.django_db
def test_statistics_column_gone_says_which_label(site, returns_cell):
    checked(returns_cell)
    site.set("/statistics", statistics_page(second="2025"))
    citation, _, _ = checked(returns_cell)
    assert citation.excerpt_state == "missing"
    assert (
        citation.found_text == "The column “2024” is gone from “Table 2: Returns by type [note 1]”."
    )
