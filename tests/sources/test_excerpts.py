import re

import pytest

from claims.figures import parse_figures
from sources.excerpts import SearchText, locate_excerpt
from sources.extraction import extract
from tests.sources.conftest import sentences_of

PAGE = (
    "Home. News. The Home Office said today that 9,400 people with no right to remain were "
    "returned this year, up 19% on 2023. The minister welcomed the figures. Funding of "
    "£75 million was announced for the Border Security Command."
)
EXCERPT = "9,400 people with no right to remain were returned this year"


def test_exact_excerpt_is_present_with_its_figure_and_context():
    match = locate_excerpt(EXCERPT, PAGE)
    assert match.state == "present"
    assert match.found_text == EXCERPT
    assert match.found_figure == "9,400"
    assert match.prefix.endswith("The Home Office said today that")
    assert match.suffix.startswith(", up 19% on 2023")


@pytest.mark.parametrize(
    "spelling",
    [
        "9400 people with no right to remain were returned this year",
        "9 400 people with no right to remain were returned this year",
        "9,400 People With No Right To Remain were returned  this\nyear",
    ],
)
def test_excerpt_is_present_across_number_spellings_case_and_spacing(spelling):
    match = locate_excerpt(spelling, PAGE)
    assert match.state == "present"
    assert match.found_text == EXCERPT  # reported as the words on the page


@pytest.mark.parametrize(
    ("excerpt", "page_words"),
    [
        ("Funding of £75m was announced", "Funding of £75 million was announced"),
        ("Funding of £75,000,000 was announced", "Funding of £75 million was announced"),
        ("up 19 per cent on 2023", "up 19% on 2023"),
    ],
)
def test_respelled_amounts_count_as_the_same_words(excerpt, page_words):
    match = locate_excerpt(excerpt, PAGE)
    assert match.state == "present"
    assert match.found_text == page_words


def test_changed_figure_is_reported_with_old_and_new_values():
    match = locate_excerpt(EXCERPT, PAGE.replace("9,400", "9,450"))
    assert match.state == "figure_changed"
    assert match.expected_figure == "9,400"
    assert match.found_figure == "9,450"
    assert match.found_text == EXCERPT.replace("9,400", "9,450")


def test_changed_percentage_is_reported_when_it_is_the_cited_figure():
    match = locate_excerpt("up 19% on 2023", PAGE.replace("19%", "21 per cent"), cited_figure="19%")
    assert match.state == "figure_changed"
    assert (match.expected_figure, match.found_figure) == ("19%", "21 per cent")


def test_reworded_sentence_with_the_same_figure_is_reworded_with_its_diff():
    edited = PAGE.replace(
        "with no right to remain were returned this year",
        "without the right to remain were sent home this year",
    )
    match = locate_excerpt(EXCERPT, edited)
    assert match.state == "reworded"
    assert match.found_figure == "9,400"
    assert "sent home" in match.found_text
    assert 80 <= match.score < 100


def test_removed_sentence_is_missing():
    edited = PAGE.replace(
        "The Home Office said today that 9,400 people with no right to remain were returned "
        "this year, up 19% on 2023. ",
        "",
    )
    match = locate_excerpt(EXCERPT, edited)
    assert match.state == "missing"
    assert match.found_text == ""


def test_missing_in_an_empty_text():
    assert locate_excerpt(EXCERPT, "").state == "missing"


def test_stored_context_picks_the_right_copy_of_a_repeated_excerpt():
    page = (
        "In Kent, 120 boats arrived in May. In Sussex, 120 boats arrived in May. "
        "In Kent the figure was revised."
    )
    match = locate_excerpt("120 boats arrived in May", page, prefix="In Sussex,")
    assert match.state == "present"
    assert match.prefix.endswith("In Sussex,")


def test_context_reanchors_a_passage_whose_figure_changed_among_similar_sentences():
    page = (
        "Returns in 2023 were 7,900 people. Returns in 2024 were 9,400 people. "
        "Returns in 2025 were 9,900 people."
    )
    edited = page.replace("9,400", "9,450")
    match = locate_excerpt(
        "Returns in 2024 were 9,400 people",
        edited,
        prefix="Returns in 2023 were 7,900 people.",
        suffix=". Returns in 2025",
    )
    assert match.state == "figure_changed"
    assert (match.expected_figure, match.found_figure) == ("9,400", "9,450")


def test_one_prepared_text_serves_many_excerpts():
    search = SearchText(PAGE)
    assert locate_excerpt(EXCERPT, search).state == "present"
    assert locate_excerpt("The minister welcomed the figures", search).state == "present"
    assert locate_excerpt("An unrelated sentence about fishing quotas", search).state == "missing"


def _bump_first_figure(sentence: str) -> str | None:
    """The sentence with one digit of its first figure changed, or None without a figure."""
    for figure in parse_figures(sentence):
        digit = re.search(r"[1-8]", sentence[figure.start : figure.end])
        if digit:
            at = figure.start + digit.start()
            return sentence[:at] + str(int(sentence[at]) + 1) + sentence[at + 1 :]
    return None


def test_excerpt_tracking_on_real_pages_edited_in_their_html(corpus):
    """Cite sentences of real pages, edit the HTML as a publisher would, and check the states."""
    outcomes = {"present": [0, 0], "missing": [0, 0], "reworded": [0, 0], "figure_changed": [0, 0]}

    def score(expected: str, html: str, excerpt: str) -> None:
        full = extract(html.encode("utf-8"), "text/html; charset=utf-8").full_text
        outcomes[expected][0] += locate_excerpt(excerpt, full).state == expected
        outcomes[expected][1] += 1

    for page in corpus[::2]:
        html = page["raw"].decode("utf-8", "replace")
        cited = [s for s in sentences_of(page["body"]) if html.count(s) == 1][:3]
        for sentence in cited:
            score("present", html, sentence)
            score("missing", html.replace(sentence, ""), sentence)
            words = sentence.split()
            if len(words) > 8:
                reworded = sentence.replace(words[4], words[4] + " reportedly", 1)
                score("reworded", html.replace(sentence, reworded), sentence)
            bumped = _bump_first_figure(sentence)
            if bumped:
                score("figure_changed", html.replace(sentence, bumped), sentence)
    for state, (right, total) in outcomes.items():
        assert total >= 15, state
        assert right / total >= 0.9, (state, right, total)
