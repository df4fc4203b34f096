"""claims/languages.py: the claim languages, their default, detection and search configs."""

import pytest

from claims import languages
from claims.languages import (
    claim_languages,
    default_language,
    detect_language,
    language_choices,
    search_config,
)

SPANISH = "Según el Gobierno, 9.400 personas sin derecho a permanecer fueron devueltas este año."
GERMAN = "Nach Angaben der Regierung wurden in diesem Jahr 9.400 Menschen zurückgeführt."
ENGLISH = "According to the government, 9,400 people were returned this year."


@pytest.mark.parametrize(("text", "expected"), [(SPANISH, "es"), (GERMAN, "de"), (ENGLISH, "en")])
def test_detect_language_names_the_language_of_a_sentence(text, expected):
    assert detect_language(text) == expected


def test_text_too_short_to_tell_gets_the_default():
    assert detect_language("9.400") == "en"
    assert detect_language("", default="es") == "es"
    assert detect_language("  ¡Sí!  ", default="de") == "de"


def test_only_configured_languages_are_detected(settings):
    settings.CLAIMS_LANGUAGES = ["en", "de"]
    assert detect_language(SPANISH) in {"en", "de"}
    settings.CLAIMS_LANGUAGES = ["en", "es"]
    assert detect_language(SPANISH) == "es"


def test_the_detector_is_built_once_per_set_of_languages():
    detect_language(SPANISH)
    first = languages._detector(tuple(claim_languages()))
    detect_language(GERMAN)
    assert languages._detector(tuple(claim_languages())) is first


def test_one_configured_language_needs_no_detector(settings):
    settings.CLAIMS_LANGUAGES = ["es"]
    assert detect_language(ENGLISH) == "es"


def test_default_is_the_site_language_when_claims_may_be_in_it(settings):
    settings.LANGUAGE_CODE = "es-es"
    assert default_language() == "es"
    settings.LANGUAGE_CODE = "ja"
    assert default_language() == claim_languages()[0]


def test_choices_follow_the_setting_with_each_language_named_in_itself(settings):
    settings.CLAIMS_LANGUAGES = ["en", "es-MX", "de", "es"]
    assert claim_languages() == ["en", "es", "de"]
    assert dict(language_choices()) == {
        "en": "English (en)",
        "es": "Español (es)",
        "de": "Deutsch (de)",
    }


@pytest.mark.parametrize(
    ("language", "config"),
    [("en", "english"), ("es", "spanish"), ("de-AT", "german"), ("xx", "simple"), ("", "simple")],
)
def test_search_config_is_the_languages_postgresql_configuration(language, config):
    assert search_config(language) == config
