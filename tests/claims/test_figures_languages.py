"""claims.figures in Spanish and German (and any language by Babel's number symbols): the
number formats and words of each language, decided by the language it is read in."""

from decimal import Decimal

import pytest

from claims.figures import check_statement, grammar_for, parse_figures, primary_language
from claims.figures.english import ENGLISH
from claims.figures.german import GERMAN
from claims.figures.spanish import SPANISH

D = Decimal
NBSP, NNBSP = "\u00a0", "\u202f"

# text, value, unit, approximation, period, stated change (percent), baseline period
SPANISH_PHRASINGS = [
    ("9.400", "9400", "count", "exact", "", None, ""),
    ("9400", "9400", "count", "exact", "", None, ""),
    ("9 400", "9400", "count", "exact", "", None, ""),
    (f"9{NBSP}400", "9400", "count", "exact", "", None, ""),
    (f"9{NNBSP}400", "9400", "count", "exact", "", None, ""),
    ("9,400", "9.4", "count", "exact", "", None, ""),
    ("9.400,5", "9400.5", "count", "exact", "", None, ""),
    ("9.400 personas", "9400", "people", "exact", "", None, ""),
    ("casi 100.000 migrantes", "100000", "people", "nearly", "", None, ""),
    ("más de 2.000 solicitantes de asilo", "2000", "people", "more_than", "", None, ""),
    ("alrededor de 300 niños", "300", "people", "about", "", None, ""),
    ("unos 5.000 agentes", "5000", "people", "about", "", None, ""),
    ("menos de 500 solicitudes", "500", "count", "less_than", "", None, ""),
    ("hasta 6.000 viviendas", "6000", "count", "up_to", "", None, ""),
    ("19 %", "19", "percent", "exact", "", None, ""),
    (f"19{NBSP}%", "19", "percent", "exact", "", None, ""),
    ("19 por ciento", "19", "percent", "exact", "", None, ""),
    ("75 millones de libras", "75000000", "GBP", "exact", "", None, ""),
    ("1,5 millones", "1500000", "count", "exact", "", None, ""),
    ("1.200 millones de euros", "1200000000", "EUR", "exact", "", None, ""),
    ("2 mil millones de dólares", "2000000000", "USD", "exact", "", None, ""),
    ("dos millones de euros", "2000000", "EUR", "exact", "", None, ""),
    ("medio millón de personas", "500000", "people", "exact", "", None, ""),
    ("9.400 euros", "9400", "EUR", "exact", "", None, ""),
    ("75 €", "75", "EUR", "exact", "", None, ""),
    ("uno de cada cinco", "20", "percent", "exact", "", None, ""),
    ("la mitad de los hogares", "50", "percent", "exact", "", None, ""),
    ("9.400 personas en 2024", "9400", "people", "exact", "2024", None, ""),
    ("9.400 personas, un 19 % más que en 2023", "9400", "people", "exact", "", "19", "2023"),
    ("9.400 retornos, un aumento del 19 % respecto a 2023", "9400", "people", "exact", "", "19", "2023"),
    ("9.400 personas este año, un 19 % más que en 2023", "9400", "people", "exact", "este año", "19", "2023"),
    ("el paro bajó un 5 % respecto al año anterior", "-5", "percent", "exact", "", "-5", "año anterior"),
]  # fmt: skip

GERMAN_PHRASINGS = [
    ("9.400", "9400", "count", "exact", "", None, ""),
    ("9 400", "9400", "count", "exact", "", None, ""),
    (f"9{NBSP}400", "9400", "count", "exact", "", None, ""),
    (f"9{NNBSP}400", "9400", "count", "exact", "", None, ""),
    ("9,400", "9.4", "count", "exact", "", None, ""),
    ("9.400 Menschen", "9400", "people", "exact", "", None, ""),
    ("mehr als 100.000 Migranten", "100000", "people", "more_than", "", None, ""),
    ("fast 100.000 Migranten", "100000", "people", "nearly", "", None, ""),
    ("knapp 100.000", "100000", "count", "nearly", "", None, ""),
    ("rund 300 Kinder", "300", "people", "about", "", None, ""),
    ("ca. 300 Kinder", "300", "people", "about", "", None, ""),
    ("weniger als 500 Anträge", "500", "count", "less_than", "", None, ""),
    ("bis zu 6.000 neue Wohnungen", "6000", "count", "up_to", "", None, ""),
    ("19 %", "19", "percent", "exact", "", None, ""),
    ("19 Prozent", "19", "percent", "exact", "", None, ""),
    ("75 Millionen Pfund", "75000000", "GBP", "exact", "", None, ""),
    ("1,5 Millionen", "1500000", "count", "exact", "", None, ""),
    ("1,2 Mrd. Euro", "1200000000", "EUR", "exact", "", None, ""),
    ("75 Mio. €", "75000000", "EUR", "exact", "", None, ""),
    ("zwei Milliarden Euro", "2000000000", "EUR", "exact", "", None, ""),
    ("eine halbe Million Menschen", "500000", "people", "exact", "", None, ""),
    ("einer von fünf", "20", "percent", "exact", "", None, ""),
    ("die Hälfte der Haushalte", "50", "percent", "exact", "", None, ""),
    ("9.400 Menschen im Jahr 2024", "9400", "people", "exact", "Jahr 2024", None, ""),
    ("9.400 Menschen, 19 % mehr als 2023", "9400", "people", "exact", "", "19", "2023"),
    ("9.400 Rückführungen, ein Anstieg um 19 % gegenüber 2023", "9400", "people", "exact", "", "19", "2023"),
    ("Die Zahl stieg um 19 % gegenüber 2023", "19", "percent", "exact", "", "19", "2023"),
    ("Die Zahl ist um 19 % gegenüber 2023 gestiegen", "19", "percent", "exact", "", "19", "2023"),
    ("Die Arbeitslosigkeit sank um 5 % gegenüber dem Vorjahr", "-5", "percent", "exact", "", "-5", "Vorjahr"),
]  # fmt: skip


def _assert_phrasing(text, language, value, unit, approx, period, change, baseline_period):
    (figure,) = parse_figures(text, language)
    assert figure.value == D(value)
    assert figure.unit == unit
    assert figure.approximation == approx
    assert figure.period == period
    assert figure.stated_change_pct == (None if change is None else D(change))
    assert figure.baseline_period == baseline_period


@pytest.mark.parametrize(
    ("text", "value", "unit", "approx", "period", "change", "baseline_period"), SPANISH_PHRASINGS
)
def test_spanish_phrasing_parses(text, value, unit, approx, period, change, baseline_period):
    _assert_phrasing(text, "es", value, unit, approx, period, change, baseline_period)


@pytest.mark.parametrize(
    ("text", "value", "unit", "approx", "period", "change", "baseline_period"), GERMAN_PHRASINGS
)
def test_german_phrasing_parses(text, value, unit, approx, period, change, baseline_period):
    _assert_phrasing(text, "de", value, unit, approx, period, change, baseline_period)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("9.400", "en", "9.4"),
        ("9.400", "es", "9400"),
        ("9.400", "de", "9400"),
        ("9,400", "en", "9400"),
        ("9,400", "es", "9.4"),
        ("9,400", "de", "9.4"),
        ("9,400.5", "en", "9400.5"),
        ("9.400,5", "es", "9400.5"),
        ("1.500.000", "de", "1500000"),
        ("1,500,000", "en", "1500000"),
    ],
)
def test_ambiguous_separators_are_decided_by_the_language(text, language, expected):
    assert [f.value for f in parse_figures(text, language)] == [D(expected)]


def test_spanish_and_german_billions_are_a_thousand_times_the_english_billion():
    assert parse_figures("2 billones de euros", "es")[0].value == D(2 * 10**12)
    assert parse_figures("2 Billionen Euro", "de")[0].value == D(2 * 10**12)
    assert parse_figures("€2 billion", "en")[0].value == D(2 * 10**9)


def test_a_spanish_change_and_its_level_stated_after_it():
    (figure,) = parse_figures("El gasto subió un 3,5 % hasta 12.000 millones de libras.", "es")
    assert (figure.value, figure.unit) == (D(12 * 10**9), "GBP")
    assert figure.stated_change_pct == D("3.5")
    assert figure.approximation == "exact"  # "hasta" here is "to", not "up to"


def test_a_german_change_and_its_level_stated_after_it():
    (figure,) = parse_figures("Die Ausgaben stiegen um 3,5 % auf 12 Milliarden Pfund.", "de")
    assert (figure.value, figure.unit, figure.stated_change_pct) == (D(12 * 10**9), "GBP", D("3.5"))


@pytest.mark.parametrize(
    ("text", "language"),
    [("pasó de 7.000 a 9.400 retornos", "es"), ("stieg von 7.000 auf 9.400 Rückführungen", "de")],
)
def test_from_a_level_to_another_makes_the_first_the_baseline(text, language):
    (figure,) = parse_figures(text, language)
    assert (figure.value, figure.baseline_value) == (D(9400), D(7000))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("7,4 millones en junio, frente a 7,6 millones en marzo", "es"),
        ("7,4 Millionen im Juni, gegenüber 7,6 Millionen im März", "de"),
    ],
)
def test_a_level_compared_with_an_earlier_one(text, language):
    (figure,) = parse_figures(text, language)
    assert (figure.value, figure.baseline_value) == (D(7_400_000), D(7_600_000))


@pytest.mark.parametrize(
    ("text", "language"),
    [("el presupuesto se duplicó", "es"), ("Das Budget hat sich verdoppelt", "de")],
)
def test_doubling_is_a_change_of_one_hundred_percent(text, language):
    (figure,) = parse_figures(text, language)
    assert figure.is_change and figure.value == 100


@pytest.mark.parametrize(
    ("text", "language"), [("3 puntos porcentuales", "es"), ("3 Prozentpunkte", "de")]
)
def test_percentage_points_are_points(text, language):
    (figure,) = parse_figures(text, language)
    assert figure.points and figure.value == 3


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("el artículo 21 de la ley", "es"),
        ("nach Artikel 21 des Gesetzes", "de"),
        ("in der Hauptstraße 10", "de"),
        ("el 15 de marzo", "es"),
        ("am 15. März", "de"),
        ("a las 10:30", "es"),
    ],
)
def test_labels_dates_and_times_are_not_figures(text, language):
    assert parse_figures(text, language) == []


def test_a_german_date_does_not_end_the_sentence_it_is_in():
    (figure,) = parse_figures("Am 15. März 2024 kamen 300 Menschen an.", "de")
    assert (figure.value, figure.unit, figure.period) == (D(300), "people", "März 2024")


def test_the_arithmetic_check_reads_spanish_figures():
    verdict = check_statement("9.400 personas, un 19 % más que en 2023", language="es")
    assert verdict.figure.value == 9400
    assert round(verdict.implied_baseline) == 7899
    inconsistent = check_statement(
        "9.400 personas, un 19 % más que las 7.000 de 2023", language="es"
    )
    assert inconsistent.consistent is False and inconsistent.actual_change_pct == D("34.29")


def test_the_arithmetic_check_reads_german_figures():
    verdict = check_statement(
        "9.400 Menschen, 19 % mehr als die 7.900 des Vorjahres", language="de"
    )
    assert verdict.baseline_value == 7900 and verdict.consistent is True
    assert (
        check_statement(
            "9.400 Menschen, um 19 % gegenüber 7.000 gestiegen", language="de"
        ).consistent
        is False
    )


def test_the_same_sentence_read_in_english_gives_another_number():
    assert check_statement("9.400, up 19% from 7.900").figure.value == D("9.4")
    assert check_statement("9.400, un 19 % más que 7.900", language="es").consistent is True


def test_grammar_is_chosen_by_the_language_subtag_and_unknown_codes_read_as_english():
    assert grammar_for("es-MX") is SPANISH and grammar_for("de_AT") is GERMAN
    assert grammar_for("en") is ENGLISH and grammar_for("") is ENGLISH
    assert grammar_for(None) is ENGLISH and grammar_for("not a language") is ENGLISH
    assert primary_language("es-419") == "es"


def test_other_languages_read_digits_with_babels_number_symbols():
    # French: a decimal comma, a narrow no-break space between groups.
    (figure,) = parse_figures(f"9{NNBSP}400,5 %", "fr")
    assert (figure.value, figure.unit) == (D("9400.5"), "percent")
    assert [f.value for f in parse_figures("9.400 personnes", "it")] == [D(9400)]


def test_english_is_the_default_language():
    assert parse_figures("9,400 people")[0].value == D(9400)
    assert parse_figures("£75m, up 3.5% on 2023")[0].stated_change_pct == D("3.5")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Returns rose 25% in the year to June 2024 to 2,580.", "en"),
        ("Las devoluciones aumentaron un 25 % en el primer semestre de 2024, hasta 2.580.", "es"),
        ("Die Rückführungen stiegen um 25 % im ersten Halbjahr 2024 auf 2.580.", "de"),
    ],
)
def test_a_period_may_stand_between_a_change_and_the_level_it_reached(text, language):
    (figure,) = parse_figures(text, language)
    assert (figure.value, figure.stated_change_pct) == (D(2580), D(25))
