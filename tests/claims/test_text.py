"""claims/text.py: the one text normaliser, folding what changes without changing meaning."""

import ast
from pathlib import Path

import pytest

import claims.text
from claims.text import (
    compatibility_form,
    matching_form,
    normalise_for_matching,
    normalise_text,
    one_line,
    squeeze_spaces,
)


def test_normalise_text_folds_quotes_dashes_spaces_and_nbsp():
    assert normalise_text("“Up” — 19%\u00a0on\n\t2023 ‘now’") == "\"Up\" - 19% on 2023 'now'"


def test_compatibility_form_spells_full_width_digits_and_ligatures_plainly():
    assert compatibility_form("ﬁve ９,４００") == "five 9,400"


@pytest.mark.parametrize(
    "spelling",
    ["9,400 people", "9400 people", "9 400 people", "9\u00a0400 people", "9\u202f400 People"],
)
def test_thousands_separators_fold_for_matching(spelling):
    assert matching_form(spelling) == "9400 people"


@pytest.mark.parametrize("spelling", ["up 19% on", "up 19 per cent on", "up 19 percent on"])
def test_per_cent_spellings_fold_for_matching(spelling):
    assert matching_form(spelling) == "up 19% on"


def test_matching_offsets_point_back_into_the_original_text():
    original = "Up  to “9,400”\u00a0PEOPLE"
    folded, offsets = normalise_for_matching(original)
    assert folded == 'up to "9400" people'
    start = folded.index("9400")
    assert original[offsets[start] : offsets[start + 3] + 1] == "9,400"
    assert len(offsets) == len(folded)


def test_one_line_drops_control_characters_and_cuts_at_the_limit():
    assert one_line("a\x00b\n c\x7f", 200) == "a b c"
    assert one_line("a" * 500, 200) == "a" * 200
    assert one_line(" x\ty ") == "x y"


def test_squeeze_spaces_keeps_words_and_single_spaces():
    assert squeeze_spaces("  Home\u00a0 Office\n figures ") == "Home Office figures"


def test_the_normaliser_imports_no_project_module():
    """Models and both apps use it: it must stay a leaf."""
    tree = ast.parse(Path(claims.text.__file__).read_text())
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [None])
    ]
    assert not [m for m in imported if m and m.split(".")[0] in {"claims", "sources", "config"}]
