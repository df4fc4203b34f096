"""Template helpers for the public pages: safe Markdown, figures and their arithmetic, URLs."""

from __future__ import annotations

import functools
from decimal import Decimal

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.defaultfilters import date as date_filter
from django.urls import get_script_prefix, get_urlconf, reverse, translate_url
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from claims import fragments
from claims.figures import format_number, format_quantity
from claims.models import Figure
from claims.quantities import localised_quantity
from claims.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)


@register.filter(expects_localtime=True)
def time_element(value, date_format: str = "DATE_FORMAT") -> SafeString | str:
    """A <time> element: the machine-readable date, shown in the active language's format.

    Safe HTML, so a sentence can be translated whole around it (`blocktranslate with when=...`).
    """
    if not value:
        return ""
    return format_html(
        '<time datetime="{}">{}</time>', date_filter(value, "c"), date_filter(value, date_format)
    )


@register.filter
def web_url(url: str) -> str:
    """The URL if it is http(s), else "" (a stored `javascript:` URL must never become a link)."""
    url = (url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""


def about(value: Decimal) -> Decimal:
    """Three significant figures, as a reader would say it: 7,899.16 → 7,900."""
    value = Decimal(value)
    if value == 0:
        return value
    step = Decimal(1).scaleb(value.adjusted() - 2)
    return (value / step).to_integral_value() * step


@register.filter
def quantity(figure: Figure) -> str:
    """The figure as stated: "nearly 100,000 people", "£75,000,000", "19%"."""
    text = localised_quantity(figure.value, figure.unit)
    if figure.approximation and figure.approximation != Figure.Approximation.EXACT:
        text = f"{figure.get_approximation_display()} {text}"
    return text


@register.simple_tag
def figure_check(figure: Figure) -> dict:
    """The arithmetic a reader can verify: what a stated change implies, and whether it holds.

    Returns {"implied": str | None, "comparison": str | None, "consistent": bool | None}.
    """
    language = get_language()
    result: dict = {"implied": None, "comparison": None, "consistent": None}
    pct = figure.stated_change_pct
    if pct is not None:
        value = localised_quantity(figure.value, figure.unit)
        change = format_quantity(abs(pct), "percent", language)
        if pct >= 0:
            stated = _("%(value)s up %(change)s") % {"value": value, "change": change}
        else:
            stated = _("%(value)s down %(change)s") % {"value": value, "change": change}
        implied = figure.implied_baseline
        when = figure.baseline_period or _("the earlier period")
        if implied is None:
            result["implied"] = _("%(stated)s cannot be traced back to an earlier value.") % {
                "stated": stated
            }
        else:
            result["implied"] = _(
                "%(stated)s implies about %(rounded)s in %(when)s (%(exact)s exactly)."
            ) % {
                "stated": stated,
                "rounded": localised_quantity(about(implied), figure.unit),
                "when": when,
                "exact": format_number(implied.quantize(Decimal(1)), language),
            }
    if figure.baseline_value is not None:
        actual = figure.actual_change_pct
        if actual is not None:
            sign = "+" if actual >= 0 else "−"
            result["comparison"] = _("From %(base)s (%(when)s) the change is %(change)s.") % {
                "base": localised_quantity(figure.baseline_value, figure.unit),
                "when": figure.baseline_period or _("earlier"),
                "change": sign + format_quantity(abs(actual), "percent", language),
            }
        result["consistent"] = figure.change_is_consistent
    return result


SOURCE_STATE_TONE = {
    "ok": "good",
    "unchecked": "neutral",
    "changed": "warn",
    "redirected": "warn",
    "broken": "bad",
    "blocked": "bad",
}
EXCERPT_STATE_TONE = {
    "present": "good",
    "reworded": "warn",
    "missing": "bad",
    "figure_changed": "bad",
    "unknown": "neutral",
}


@register.filter
def source_tone(state: str) -> str:
    return SOURCE_STATE_TONE.get(state, "neutral")


@register.filter
def excerpt_tone(state: str) -> str:
    return EXCERPT_STATE_TONE.get(state, "neutral")


@register.simple_tag(takes_context=True)
def language_alternates(context) -> list[dict]:
    """This page's absolute URL in every language, then `x-default` (the default language's):
    [{"hreflang": "es", "url": ...}, ...]; empty on a page that matched no URL (a 404)."""
    request = context.get("request")
    if request is None or getattr(request, "resolver_match", None) is None:
        return []
    # translate_url keeps the query string as it is: only the path is translated (and memoised).
    path, mark, query = request.get_full_path().partition("?")
    state = _url_state()
    urls = {
        code: settings.SITE_URL + _translated_path(path, code, *state) + mark + query
        for code in [*(code for code, _name in settings.LANGUAGES), settings.LANGUAGE_CODE]
    }
    alternates = [{"hreflang": code, "url": urls[code]} for code, _name in settings.LANGUAGES]
    return [*alternates, {"hreflang": "x-default", "url": urls[settings.LANGUAGE_CODE]}]


@register.simple_tag
def site_url(view_name: str) -> str:
    """`{% url view_name %}` for a URL without arguments (the site's header and footer links),
    reversed once per language, script prefix and URLconf rather than on every page."""
    return _reversed(view_name, get_language(), *_url_state())


def _url_state() -> tuple[str, str]:
    """What a reversed URL depends on besides the language: the script prefix and URLconf."""
    return get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF


# Both are pure functions of their arguments (the active language, script prefix and URLconf
# are what reverse and translate_url read), so their results can be kept per process.
@functools.lru_cache(maxsize=256)
def _reversed(view_name: str, language: str | None, prefix: str, urlconf: str) -> str:
    return reverse(view_name, urlconf=urlconf)


@functools.lru_cache(maxsize=2048)
def _translated_path(path: str, language: str, prefix: str, urlconf: str) -> str:
    return translate_url(path, language)


def _forget_urls(*, setting: str, **kwargs) -> None:
    # Tests that swap URL patterns or languages change what the same arguments reverse to.
    if setting in {"ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE"}:
        _reversed.cache_clear()
        _translated_path.cache_clear()


setting_changed.connect(_forget_urls)


@register.simple_tag
def claim_cards(claims, level: str = "3") -> SafeString:
    """The claims' cards, as a loop including "claims/_claim_card.html" renders them, each one
    cached with its claim's page version (claims.fragments)."""
    return fragments.claim_cards(claims, str(level))


@register.simple_tag(takes_context=True)
def source_last_checked(context, citation) -> SafeString:
    """ ", last checked <time>" for the citation's source; a marker filled in on each read when
    the claim page is rendered for the fragment cache (claims.fragments)."""
    if context.get(fragments.MARKERS_CONTEXT_KEY):
        return mark_safe(fragments.last_checked_marker(citation.pk))  # noqa: S308 - no user text
    return mark_safe(fragments.render_last_checked(citation.source.last_checked_at))  # noqa: S308 - a rendered template
