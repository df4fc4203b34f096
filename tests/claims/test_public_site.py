"""claims/templatetags/public_site.py in each language: hreflang alternates, dates and the
figures' arithmetic as the reader's language writes them."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import translation

from claims.models import Figure
from claims.templatetags.public_site import figure_check, quantity, time_element
from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db

ALTERNATE = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')


def test_every_public_page_names_its_translations_and_the_default(anon, settings):
    with translation.override("en"):
        path = publish_fact_check(title="Alternates").get_absolute_url()
    for prefix in ("", "/es"):
        html = anon.get(prefix + path).content.decode()
        assert dict(ALTERNATE.findall(html)) == {
            "en": settings.SITE_URL + path,
            "es": settings.SITE_URL + "/es" + path,
            "x-default": settings.SITE_URL + path,
        }


def test_alternates_keep_the_query_of_a_search(anon, settings):
    html = anon.get("/es/search/?q=9400").content.decode()
    assert dict(ALTERNATE.findall(html))["en"] == settings.SITE_URL + "/search/?q=9400"


def test_a_page_that_does_not_exist_names_no_alternates(anon):
    assert ALTERNATE.findall(anon.get("/es/no-such-page/").content.decode()) == []


def test_the_language_switcher_is_a_form_that_works_without_javascript(anon):
    html = anon.get("/es/claims/?page=1").content.decode()
    form = re.search(r'<form class="language-switcher" action="([^"]+)" method="post">', html)
    assert form is not None and form.group(1) == "/i18n/setlang/"
    assert '<input name="next" type="hidden" value="/es/claims/?page=1">' in html
    assert '<option value="es" lang="es" selected>Español</option>' in html
    assert '<option value="en" lang="en">English</option>' in html


def test_dates_are_written_as_each_language_writes_them():
    when = datetime.date(2026, 12, 2)
    with translation.override("en"):
        english = time_element(when)
    with translation.override("es"):
        spanish = time_element(when)
    assert english == '<time datetime="2026-12-02">2 December 2026</time>'
    assert spanish == '<time datetime="2026-12-02">2 de diciembre de 2026</time>'


def figure(**fields) -> Figure:
    defaults = {
        "label": "People returned",
        "value": Decimal("9400"),
        "unit": Figure.Unit.PEOPLE,
        "period": "2024",
        "baseline_period": "2023",
        "stated_change_pct": Decimal("19"),
        "baseline_value": Decimal("7899"),
    }
    return Figure(**(defaults | fields))


def test_the_figures_arithmetic_reads_in_english():
    with translation.override("en"):
        check = figure_check(figure())
        assert quantity(figure()) == "9,400 people"
    assert check["implied"] == (
        "9,400 people up 19% implies about 7,900 people in 2023 (7,899 exactly)."
    )
    assert check["comparison"] == "From 7,899 people (2023) the change is +19%."


def test_the_figures_arithmetic_reads_in_spanish_with_its_number_format():
    with translation.override("es"):
        check = figure_check(figure())
        money = quantity(
            figure(unit=Figure.Unit.GBP, value=Decimal("75000000"), approximation="nearly")
        )
    assert check["implied"] == (
        "9.400 personas, un 19\xa0% más implica alrededor de 7.900 personas en 2023 "
        "(7.899 exactamente)."
    )
    assert check["comparison"] == "Desde 7.899 personas (2023) el cambio es del +19\xa0%."
    assert money == "casi 75.000.000\xa0GBP"
