"""claims.figures: parsing quantities as English news writes them, and the arithmetic check."""

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import claims.figures
from claims.figures import (
    ParsedFigure,
    change_is_consistent,
    check_figure,
    check_statement,
    format_number,
    implied_baseline,
    parse_figures,
)
from claims.figures.parsing import (
    Sentences,
    attach_changes,
    attach_down_from_baselines,
    attach_from_to_baselines,
)
from claims.figures.scanning import scan
from claims.models import Figure

D = Decimal

# text, value, unit, approximation, period, stated change (percent), baseline period
PHRASINGS = [
    ("9,400", "9400", "count", "exact", "", None, ""),
    ("9400", "9400", "count", "exact", "", None, ""),
    ("9 400", "9400", "count", "exact", "", None, ""),
    ("9,400 people", "9400", "people", "exact", "", None, ""),
    ("nearly 100,000 migrants", "100000", "people", "nearly", "", None, ""),
    ("almost 100,000 migrants", "100000", "people", "nearly", "", None, ""),
    ("about 5,000 officers", "5000", "people", "about", "", None, ""),
    ("around 300 children", "300", "people", "about", "", None, ""),
    ("roughly 2,000 households", "2000", "people", "about", "", None, ""),
    ("some 40,000 small boat arrivals", "40000", "people", "about", "", None, ""),
    ("more than 2,000 asylum seekers", "2000", "people", "more_than", "", None, ""),
    ("over 700 returns", "700", "people", "more_than", "", None, ""),
    ("at least 12 deaths", "12", "count", "more_than", "", None, ""),
    ("fewer than 500 applications", "500", "count", "less_than", "", None, ""),
    ("less than £1 billion", "1000000000", "GBP", "less_than", "", None, ""),
    ("under 3%", "3", "percent", "less_than", "", None, ""),
    ("up to 6,000 new homes", "6000", "count", "up_to", "", None, ""),
    ("£75 million", "75000000", "GBP", "exact", "", None, ""),
    ("£75m", "75000000", "GBP", "exact", "", None, ""),
    ("£75,000,000", "75000000", "GBP", "exact", "", None, ""),
    ("£1.2bn", "1200000000", "GBP", "exact", "", None, ""),
    ("£1.2 billion", "1200000000", "GBP", "exact", "", None, ""),
    ("£500k", "500000", "GBP", "exact", "", None, ""),
    ("£2.50", "2.5", "GBP", "exact", "", None, ""),
    ("€3.5m", "3500000", "EUR", "exact", "", None, ""),
    ("€200 million", "200000000", "EUR", "exact", "", None, ""),
    ("$2 billion", "2000000000", "USD", "exact", "", None, ""),
    ("US$40m", "40000000", "USD", "exact", "", None, ""),
    ("300 million pounds", "300000000", "GBP", "exact", "", None, ""),
    ("5 million euros", "5000000", "EUR", "exact", "", None, ""),
    ("19%", "19", "percent", "exact", "", None, ""),
    ("19 per cent", "19", "percent", "exact", "", None, ""),
    ("19 percent", "19", "percent", "exact", "", None, ""),
    ("4.5%", "4.5", "percent", "exact", "", None, ""),
    ("one in five adults", "20", "percent", "exact", "", None, ""),
    ("one in three children", "33.3333", "percent", "exact", "", None, ""),
    ("a third of councils", "33.3333", "percent", "exact", "", None, ""),
    ("two-thirds of voters", "66.6667", "percent", "exact", "", None, ""),
    ("half of all schools", "50", "percent", "exact", "", None, ""),
    ("a quarter of patients", "25", "percent", "exact", "", None, ""),
    ("two million people", "2000000", "people", "exact", "", None, ""),
    ("a million homes", "1000000", "count", "exact", "", None, ""),
    ("half a million jobs", "500000", "count", "exact", "", None, ""),
    ("twenty thousand nurses", "20000", "people", "exact", "", None, ""),
    ("1.5 million households", "1500000", "people", "exact", "", None, ""),
    ("13,000 more police officers", "13000", "people", "exact", "", None, ""),
    (
        "the return of 9,400 people this year—a 19% increase from 2023",
        "9400",
        "people",
        "exact",
        "this year",
        "19",
        "2023",
    ),
    ("9,400 returns, up 19% on last year", "9400", "people", "exact", "", "19", "last year"),
    ("Crime is down 5% on 2022", "-5", "percent", "exact", "", "-5", "2022"),
    ("fell by 12 per cent since 2019", "-12", "percent", "exact", "", "-12", "2019"),
    ("rose 7% in 2024", "7", "percent", "exact", "2024", "7", ""),
    ("Knife crime doubled", "100", "percent", "exact", "", "100", ""),
    ("The backlog has halved", "-50", "percent", "exact", "", "-50", ""),
    ("arrivals tripled", "200", "percent", "exact", "", "200", ""),
    ("£3bn, a 10% cut from 2023", "3000000000", "GBP", "exact", "", "-10", "2023"),
    ("In 2023, 29,437 people crossed", "29437", "people", "exact", "2023", None, ""),
    ("728,000 in the year to June 2024", "728000", "count", "exact", "year to June 2024", None, ""),
    ("£11.6bn in 2023/24", "11600000000", "GBP", "exact", "2023/24", None, ""),
    ("3,000 last year", "3000", "count", "exact", "last year", None, ""),
    ("nearly 100,000 migrants last year", "100000", "people", "nearly", "last year", None, ""),
    ("unemployment of 4.2% in March 2025", "4.2", "percent", "exact", "March 2025", None, ""),
    ("an estimated 1,200 victims", "1200", "people", "about", "", None, ""),
    ("just under 10,000 crossings", "10000", "count", "nearly", "", None, ""),
    ("in excess of £40m", "40000000", "GBP", "more_than", "", None, ""),
    ("as many as 800 jobs", "800", "count", "up_to", "", None, ""),
    ("spending rose 3.5% to £12bn", "12000000000", "GBP", "exact", "", "3.5", ""),
]


@pytest.mark.parametrize(
    ("text", "value", "unit", "approximation", "period", "change", "baseline_period"),
    PHRASINGS,
    ids=[row[0] for row in PHRASINGS],
)
def test_phrasing_parses_to_expected_figure(
    text, value, unit, approximation, period, change, baseline_period
):
    parsed = parse_figures(text)
    assert len(parsed) == 1, parsed
    figure = parsed[0]
    assert figure.value == D(value)
    assert figure.unit == unit
    assert figure.approximation == approximation
    assert figure.period == period
    assert figure.stated_change_pct == (D(change) if change is not None else None)
    assert figure.baseline_period == baseline_period


def test_phrasing_table_has_at_least_sixty_rows():
    assert len(PHRASINGS) >= 60


@pytest.mark.parametrize(
    "text",
    [
        "in 2023 the route was busy",
        "At the EPC meeting on 7 November, the Prime Minister spoke",
        "On November 7 ministers met",
        "hundreds of people gathered",
        "thousands of migrants",
        "millions of pounds",
        "COVID-19 restrictions",
        "the G7 summit",
        "at 10:30 this morning",
        "for the 3rd time",
        "10 Downing Street said",
        "since 2010 and until 2015",
        "at 10am today",
        "new 5G masts",
        "people aged 16 and over",
        "Section 21 evictions",
        "Number 10 said",
        "Year 6 pupils",
        "the M25 at junction 10",
    ],
)
def test_non_quantities_are_not_figures(text):
    assert parse_figures(text) == []


def test_figure_offsets_point_at_the_matched_text():
    text = "Funding of £75 million and nearly 100,000 migrants."
    for figure in parse_figures(text):
        assert text[figure.start : figure.end] == figure.text
    assert [f.text for f in parse_figures(text)] == ["£75 million", "nearly 100,000"]


@pytest.mark.parametrize(
    "spellings",
    [
        ("9,400", "9400", "9 400", "9\u202f400"),
        ("£75 million", "£75m", "£75,000,000", "75 million pounds"),
        ("19%", "19 per cent", "19 percent", "19 per cent."),
        ("£1.2bn", "£1.2 billion", "£1,200 million", "£1,200,000,000"),
    ],
)
def test_spellings_of_one_number_parse_to_equal_values(spellings):
    parsed = [parse_figures(text) for text in spellings]
    values = {(p[0].value, p[0].unit) for p in parsed if p}
    assert all(parsed), [s for s, p in zip(spellings, parsed, strict=True) if not p]
    assert len(values) == 1, values


def test_baseline_value_is_taken_from_up_from():
    (figure,) = parse_figures("9,400, up 19% from 7,000")
    assert figure.value == 9400
    assert figure.stated_change_pct == 19
    assert figure.baseline_value == 7000


def test_rose_from_to_gives_baseline_value():
    (figure,) = parse_figures("Returns rose from 7,000 to 9,400 in 2024")
    assert (figure.value, figure.baseline_value, figure.period) == (9400, 7000, "2024")


def test_change_in_another_clause_is_not_attached_to_the_earlier_figure():
    officers, change = parse_figures(
        "The force hired 500 officers, while burglary fell 5% in 2024."
    )
    assert officers.stated_change_pct is None
    assert (change.is_change, change.stated_change_pct, change.period) == (True, -5, "2024")


def test_percentage_points_are_a_change_not_a_ratio():
    (figure,) = parse_figures("unemployment rose by 0.3 percentage points")
    assert figure.points is True
    assert figure.unit == "percent"
    assert figure.stated_change_pct is None
    assert figure.value == D("0.3")


def test_several_figures_in_one_sentence_keep_their_own_details():
    text = "The Home Office spent £4.7bn on asylum in 2023, up 38% on 2022, housing 51,000 people."
    money, people = parse_figures(text)
    assert (money.value, money.unit, money.stated_change_pct) == (D("4.7e9"), "GBP", 38)
    assert money.baseline_period == "2022"
    assert (people.value, people.unit, people.stated_change_pct) == (51000, "people", None)


def test_as_figure_fields_build_a_valid_figure(db):
    from tests.factories import ClaimFactory

    (parsed,) = parse_figures("9,400 people this year, a 19% increase from 2023")
    figure = Figure(claim=ClaimFactory(), label="returns", **parsed.as_figure_fields())
    figure.full_clean()
    figure.save()
    figure.refresh_from_db()
    assert figure.implied_baseline == D("7899.16")
    assert figure.baseline_period == "2023"


def test_change_only_figure_does_not_store_change_twice():
    (parsed,) = parse_figures("up 19% on last year")
    assert parsed.is_change
    fields = parsed.as_figure_fields()
    assert fields["value"] == 19
    assert fields["stated_change_pct"] is None


# --- arithmetic ---------------------------------------------------------------------------


def test_implied_baseline_of_nineteen_percent_rise_to_9400_is_about_7899():
    verdict = check_statement("9,400, a 19% increase from 2023")
    assert verdict.implied_baseline == D("7899.16")
    assert verdict.consistent is None
    assert "7,899 in 2023" in verdict.summary


def test_stated_change_against_a_known_baseline_that_does_not_hold_is_inconsistent():
    verdict = check_statement("9,400, up 19% from 7,000")
    assert verdict.consistent is False
    assert verdict.actual_change_pct == D("34.29")
    assert "inconsistent" in verdict.summary


def test_stated_change_within_rounding_is_consistent():
    verdict = check_statement("9,400, up 19% from 7,900")
    assert verdict.consistent is True


def test_baseline_value_given_separately_overrides_the_text():
    verdict = check_statement("9,400 returns, a 19% increase from 2023", baseline_value=D("7899"))
    assert verdict.consistent is True
    assert check_statement("9,400, up 19% on 2023", baseline_value=D("9000")).consistent is False


def test_falls_are_checked_with_negative_changes():
    assert check_statement("£95m, down 5% from £100m").consistent is True
    assert check_statement("£90m, down 5% from £100m").consistent is False


def test_statement_without_change_has_nothing_to_check():
    verdict = check_statement("The EPC meeting wasn't solely about migration.")
    assert verdict.figure is None
    assert verdict.consistent is None
    assert check_figure(parse_figures("9,400")[0]).implied_baseline is None


def test_existing_helpers_keep_their_semantics():
    assert implied_baseline(D(9400), D(19)) == D("7899.16")
    assert change_is_consistent(D(9400), D(7000), D(19)) is False
    assert change_is_consistent(D(9400), D(7899), D(19)) is True


# --- property tests -----------------------------------------------------------------------

integers = st.integers(min_value=0, max_value=10**12)


def _only(text: str) -> ParsedFigure:
    parsed = parse_figures(text)
    assert len(parsed) == 1, (text, parsed)
    return parsed[0]


@given(integers.filter(lambda n: not 1800 <= n <= 2099))
def test_number_with_thousands_separators_round_trips(n):
    assert _only(format_number(D(n))).value == n
    assert _only(f"{n:,}".replace(",", " ")).value == n


@given(st.integers(min_value=1, max_value=999_999), st.sampled_from(["£", "€", "$"]))
def test_currency_amount_round_trips(n, symbol):
    figure = _only(f"{symbol}{n:,}")
    assert figure.value == n
    assert figure.unit == {"£": "GBP", "€": "EUR", "$": "USD"}[symbol]


@given(
    st.decimals(min_value=D("0.1"), max_value=D("999.9"), places=1),
    st.sampled_from([("m", 10**6), (" million", 10**6), ("bn", 10**9), (" billion", 10**9)]),
)
def test_millions_and_billions_round_trip(amount, scale):
    suffix, factor = scale
    text = f"£{format_number(amount)}{suffix}"
    assert _only(text).value == amount * factor


@given(
    st.decimals(min_value=D("0"), max_value=D("100"), places=2),
    st.sampled_from(["%", " per cent", " percent"]),
)
def test_percentages_round_trip(pct, suffix):
    figure = _only(f"{format_number(pct)}{suffix}")
    assert figure.value == pct
    assert figure.unit == "percent"


WORDS = {2: "two", 3: "three", 5: "five", 7: "seven", 12: "twelve", 20: "twenty", 45: "forty-five"}


@given(st.sampled_from(sorted(WORDS)), st.sampled_from([("thousand", 10**3), ("million", 10**6)]))
def test_number_words_round_trip(n, scale):
    word, factor = scale
    assert _only(f"{WORDS[n]} {word} people").value == n * factor


NEWS_PIECES = [*"0123456789 ,.%£€$-/:mkbn", "per cent", " million", " in ", " up ", " from "]
NEWS_PIECES += [
    " 2023",
    " nearly ",
    " one in ",
    " third of",
    " doubled",
    "\n",
    "Section ",
    " aged ",
]
NEWSY = st.lists(st.sampled_from(NEWS_PIECES), max_size=30).map("".join)


@given(st.one_of(st.text(max_size=80), NEWSY))
def test_any_text_parses_without_error_and_offsets_match(text):
    for figure in parse_figures(text):
        assert text[figure.start : figure.end] == figure.text
        assert figure.unit in Figure.Unit.values
        assert figure.approximation in Figure.Approximation.values
        assert figure.value.is_finite()


def test_a_run_of_digits_too_long_for_a_figure_is_not_one():
    assert parse_figures("Reference 1234567890123456789012345 was quoted.") == []
    assert parse_figures("1" * 5000) == []


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["one in three", "0.000001%", "£1.23456bn", "up 2,000,000%"])
def test_figure_fields_always_fit_the_figure_columns(text):
    from tests.factories import ClaimFactory

    claim = ClaimFactory()
    for parsed in parse_figures(text):
        Figure(claim=claim, label="x", **parsed.as_figure_fields()).full_clean()


# --- The package's parts: each parser pass on its own, and the layout ---------------------


def _tokens(text):
    return scan(text), Sentences(text)


def test_scan_finds_spans_in_text_order_without_relating_them():
    tokens = scan("9,400 people in 2024, up 19% from 7,000; the budget doubled.")
    assert [(t.kind, t.value) for t in tokens] == [
        ("quantity", D("9400")),
        ("year", D("2024")),
        ("percent", D("19")),
        ("quantity", D("7000")),
        ("change", D("100")),
    ]
    assert all(t.change is None for t in tokens if t.kind != "change")


def test_attach_changes_gives_the_level_its_change_and_the_baseline_after_it():
    text = "9,400 returns, up 19% from 7,000."
    tokens, sentences = _tokens(text)
    attach_changes(text, tokens, sentences)
    level, pct, baseline = tokens
    assert level.change == D("19") and level.baseline_value == D("7000")
    assert pct.absorbed and baseline.absorbed


def test_attach_changes_leaves_a_change_with_no_level_as_a_figure_of_its_own():
    text = "Crime fell 5% on last year."
    tokens, sentences = _tokens(text)
    attach_changes(text, tokens, sentences)
    (pct,) = tokens
    assert pct.is_change and pct.value == D("-5") and pct.baseline_period == "last year"


def test_attach_down_from_baselines_makes_the_second_level_the_first_ones_baseline():
    text = "Waiting lists were 7.4 million in June, down from 7.6 million in March."
    tokens, sentences = _tokens(text)
    attach_down_from_baselines(text, tokens, sentences)
    first, second = tokens
    assert first.baseline_value == D("7600000") and first.baseline_period == "March"
    assert second.absorbed


def test_attach_from_to_baselines_makes_the_first_level_the_second_ones_baseline():
    text = "Returns rose from 7,000 to 9,400."
    tokens, _sentences = _tokens(text)
    attach_from_to_baselines(text, tokens)
    first, second = tokens
    assert first.absorbed and second.baseline_value == D("7000")


def test_every_public_name_imports_from_the_package():
    for name in claims.figures.__all__:
        assert getattr(claims.figures, name) is not None, name


def test_the_figures_package_imports_no_other_project_module():
    """Models, services and views all use it: it must not import any of them back."""
    for path in Path(claims.figures.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in {"claims", "sources", "config", "django"}:
                    assert name.startswith("claims.figures"), f"{path.name} imports {name}"
