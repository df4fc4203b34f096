"""Re-checking citations of a table cell or a dataset cell, at every check of their source.

The cell is found again by its labels in the snapshot's tables (sources.tables); the result
goes into the citation's usual fields (excerpt_state, found_text, found_figure), and a cell
whose value changed, became suppressed, or whose row, column or sheet is gone flags the claim
with one line that names what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from claims import workflow
from sources.models import Citation, Snapshot, Source
from sources.tables import locate_cell, read_cell, same_value

ExcerptState = Citation.ExcerptState

UPDATED_FIELDS = list(Citation.MONITORED_FIELDS)


@dataclass(frozen=True)
class CellCheck:
    state: str
    found_text: str  # the cell as shown ("9,450 [r]"), or what was not found
    found_figure: str  # the value without markers ("9,450"), "[c]" when suppressed
    reason: str  # the one line an editor reads when the claim is flagged ("" when present)


def _quoted(text: str) -> str:
    return f"“{text}”"


def check_cell(citation: Citation, tables: list[dict], where: str) -> CellCheck:
    """What the source now says in the citation's cell; `where` names the source in reasons."""
    label = citation.locator_label
    lookup = locate_cell(tables, citation.sheet, citation.row_labels, citation.column_labels)
    if not lookup.found:
        if lookup.missing == "table":
            text = "No table found in the source."
        elif lookup.missing == "sheet":
            names = ", ".join(_quoted(t.get("name", "")) for t in tables[:10])
            text = f"Sheet {_quoted(lookup.missing_label)} is gone (sheets now: {names})."
        else:
            place = f" from {_quoted(lookup.table_name)}" if lookup.table_name else ""
            text = f"The {lookup.missing} {_quoted(lookup.missing_label)} is gone{place}."
        return CellCheck(ExcerptState.MISSING, text, "", f"{text[:-1]} on {where} ({label})")
    value = read_cell(lookup.text)
    renamed = ""
    if lookup.renamed_from:
        renamed = f"sheet {_quoted(lookup.renamed_from)} is now {_quoted(lookup.table_name)}"
    expected = citation.expected_value
    if value.unavailable:
        return CellCheck(
            ExcerptState.FIGURE_CHANGED,
            lookup.text,
            value.unavailable[:100],
            f"Figure {expected} → {value.unavailable} (suppressed or not available) in "
            f"{label} on {where}" + (f"; {renamed}" if renamed else ""),
        )
    if same_value(expected, value):
        if renamed:
            return CellCheck(
                ExcerptState.REWORDED,
                lookup.text,
                value.value[:100],
                f"On {where}, {renamed}; {label} still says {lookup.text}",
            )
        return CellCheck(ExcerptState.PRESENT, lookup.text, value.value[:100], "")
    found = value.value or "an empty cell"
    revised = " (marked revised)" if value.revised else ""
    return CellCheck(
        ExcerptState.FIGURE_CHANGED,
        lookup.text,
        (value.value or lookup.text)[:100],
        f"Figure {expected} → {found}{revised} in {label} on {where}"
        + (f"; {renamed}" if renamed else ""),
    )


def relocate_cells(
    source: Source, snapshot: Snapshot, citations: list[Citation], now: datetime
) -> None:
    """Check each cell citation against the snapshot's tables, save, and flag the claims whose
    cell changed at this check (a state already reported is not reported again)."""
    tables = snapshot.tables or []
    flags: list[tuple[int, str]] = []
    for citation in citations:
        before = (citation.excerpt_state, citation.found_figure, citation.found_text)
        result = check_cell(citation, tables, source.url)
        citation.excerpt_state = result.state
        citation.found_text = result.found_text
        citation.found_figure = result.found_figure
        citation.excerpt_checked_at = now
        citation.checked_excerpt_hash = citation.excerpt_hash
        after = (result.state, result.found_figure, result.found_text)
        # The same one-line reason text citations carry (admin list, API, the editor's desk).
        citation.attention_reason = result.reason[:300]
        if before != after and before[0] != ExcerptState.UNKNOWN:
            citation.evidence_changed_at = now
        if result.state != ExcerptState.PRESENT and before != after:
            reason = result.reason
            if before[0] == ExcerptState.UNKNOWN and result.state == ExcerptState.MISSING:
                # First look at this citation: the labels may be mistyped rather than removed.
                reason = f"{reason} (check the labels)"
            flags.append((citation.claim_id, reason))
    Citation.objects.bulk_update(citations, UPDATED_FIELDS)
    for claim_id, reason in flags:
        workflow.flag_for_attention([claim_id], reason)


def refresh_tables(snapshot: Snapshot, tables: tuple | list) -> None:
    """Keep the tables of a snapshot whose text is unchanged up to date: a table the main-text
    extractor leaves out can change while the text does not."""
    if not tables:
        return
    tables = list(tables)
    if snapshot.tables != tables:
        snapshot.tables = tables
        snapshot.save(update_fields=["tables"])
