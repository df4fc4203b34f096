"""sources/diffs.py: tokens, passage comparison, snapshot word diffs."""

import pytest

from sources.diffs import compare_passage, fold_unchanged, tokenise, word_diff
from sources.excerpts import diff_snapshots
from tests.factories import SnapshotFactory


def keys(text: str) -> list[str]:
    return [token.key for token in tokenise(text) if token.is_number]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("9,400", "9400"),
        ("9,400", "9 400"),
        ("£75m", "£75 million"),
        ("£75,000,000", "£75 million"),
        ("19%", "19 per cent"),
        ("2.5%", "2.50 %"),
        ("$5bn", "$5 billion"),
    ],
)
def test_quantities_compare_by_value(one, other):
    assert keys(one) == keys(other) and len(keys(one)) == 1


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("since 2010", "since 2017"),
        ("from 10:30 p.m.", "from 17:30 p.m."),
        ("the RS-25 engine", "the RS-32 engine"),
        ("a 72W charger", "a 79W charger"),
        ("a x100 zoom", "a x107 zoom"),
        ("£75m", "$75m"),
        ("19%", "19"),
        ("in 2023-24", "in 2023-25"),
    ],
)
def test_every_other_digit_run_compares_by_spelling(one, other):
    assert keys(one) != keys(other)


def test_cosmetic_differences_make_the_same_tokens():
    plain = 'The minister\'s "plan" - a well-known one - costs 9,400 pounds'
    fancy = "The MINISTER’s “plan” – a well\u00adknown one — costs 9\u00a0400&nbsp;pounds"
    fancy = fancy.replace("well\u00adknown", "well-known")
    assert [t.key for t in tokenise(plain)] == [t.key for t in tokenise(fancy)]
    assert [t.key for t in tokenise("caf&eacute; &amp; bar")] == ["w:café", "w:bar"]
    assert [t.key for t in tokenise("ex\u00adam\u00adple")] == ["w:example"]


def test_token_spans_point_at_the_original_spelling():
    text = "Up 19 per cent on 2023 (RS-25)."
    spelled = [text[t.start : t.end] for t in tokenise(text) if t.is_number]
    assert spelled == ["19 per cent", "2023", "RS-25"]


def test_changed_year_is_named_with_both_spellings():
    comparison = compare_passage(
        "sales rose since 2010 in Spain", "… sales rose since 2017 in Spain …"
    )
    assert [(c.old, c.new) for c in comparison.figure_changes] == [("2010", "2017")]


def test_number_added_and_removed_inside_the_passage_are_changes():
    added = compare_passage("the team won the cup again", "the team won the 3 cup again")
    assert [(c.old, c.new) for c in added.figure_changes] == [("", "3")]
    removed = compare_passage("the team won 3 cups again", "the team won cups again")
    assert [(c.old, c.new) for c in removed.figure_changes] == [("3", "")]


def test_text_around_the_passage_is_trimmed_and_not_compared():
    text = "Before 12 words. The council said the road would reopen in May. After 7 words."
    comparison = compare_passage("the council said the road would reopen in May", text)
    assert not comparison.figure_changes and not comparison.reworded
    assert (
        text[comparison.start : comparison.end] == "The council said the road would reopen in May"
    )


def test_changed_first_word_is_kept_inside_the_passage():
    text = "Officials said 2017 was the year the scheme began."
    comparison = compare_passage("2010 was the year the scheme began", text)
    assert [(c.old, c.new) for c in comparison.figure_changes] == [("2010", "2017")]
    assert text[comparison.start : comparison.end] == "2017 was the year the scheme began"


def test_rewording_is_reported_as_the_words_replaced():
    comparison = compare_passage("a 19% increase in returns", "a 19% decrease in returns")
    assert comparison.reworded and not comparison.figure_changes
    changed = [op for op in comparison.ops if op.op != "equal"]
    assert [(op.op, op.old, op.new) for op in changed] == [("replace", "increase", "decrease")]


def test_word_diff_marks_insertions_deletions_and_cited_passages():
    older = "Intro words here. Returns rose by 9,400 this year. Outro."
    newer = "Intro words here. Returns rose by 9,450 this year. Outro, updated."
    cited_at = newer.index("Returns")
    segments = word_diff(older, newer, [("new", cited_at, cited_at + 30)])
    ops = [(s.op, s.text, s.cited) for s in segments]
    assert ("delete", "9,400", False) in ops
    assert ("insert", "9,450", True) in ops
    assert ("insert", "updated", False) in ops
    assert any(op == "equal" and cited for op, _text, cited in ops)


def test_long_unchanged_runs_are_folded_around_changes():
    words = " ".join(f"w{n}" for n in range(100))
    segments = word_diff(words + " old", words + " new")
    folded = fold_unchanged(segments, context_words=5)
    assert folded[0].op == "skip"
    assert folded[1].text == "w95 w96 w97 w98 w99"
    assert [s.op for s in folded[2:]] == ["delete", "insert"]


@pytest.mark.django_db
def test_snapshot_diff_names_the_changed_words():
    older = SnapshotFactory(main_text="The department returned 9,400 people this year.")
    newer = SnapshotFactory(
        source=older.source, main_text="The department returned 9,450 people this year."
    )
    result = diff_snapshots(older, newer).as_dict()
    assert result["identical"] is False and result["changed_words"] == 2
    assert {"op": "delete", "text": "9,400", "cited": False} in result["segments"]
    assert {"op": "insert", "text": "9,450", "cited": False} in result["segments"]
