"""The languages claims are written in: the configured choices, the default, detection, and
each language's PostgreSQL text-search configuration.

`CLAIMS_LANGUAGES` (ISO 639-1 codes) are `Claim.language`'s choices; a claim's default is the
site's language. `detect_language` uses lingua's detector built once per process from those
languages only (each language model loaded costs memory and time). `search_config` names the
PostgreSQL configuration that stems a language's words ('simple' where PostgreSQL has none).
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.conf import settings
from lingua import IsoCode639_1, LanguageDetectorBuilder

from claims.figures import primary_language

# PostgreSQL's built-in text-search configurations, by language code.
SEARCH_CONFIGS = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french",
    "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "nl": "dutch", "no": "norwegian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish",
    "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
SIMPLE_CONFIG = "simple"
# Shorter texts say too little about their language: they get the claim's default.
MIN_DETECTION_CHARS = 20


def claim_languages() -> list[str]:
    """The configured claim languages, primary subtags, in the configured order."""
    codes = (primary_language(code) for code in settings.CLAIMS_LANGUAGES)
    return list(dict.fromkeys(code for code in codes if code)) or ["en"]


def default_language() -> str:
    """The site's language if claims may be in it, else the first configured language."""
    site = primary_language(settings.LANGUAGE_CODE)
    languages = claim_languages()
    return site if site in languages else languages[0]


def language_name(code: str) -> str:
    """A language's name in itself ("Español", "Deutsch"), or the code when Babel has none."""
    try:
        name = Locale.parse(code).get_display_name(code)
    except (ValueError, TypeError, UnknownLocaleError):
        return code
    return (name[:1].upper() + name[1:]) if name else code


def language_choices() -> list[tuple[str, str]]:
    """`Claim.language`'s choices: (code, name) for each configured language."""
    return [(code, f"{language_name(code)} ({code})") for code in claim_languages()]


def search_config(language: str | None) -> str:
    """The PostgreSQL text-search configuration for `language` ('simple' if none)."""
    return SEARCH_CONFIGS.get(primary_language(language), SIMPLE_CONFIG)


def detect_language(text: str, default: str | None = None) -> str:
    """The configured language `text` is written in, or `default` (the site's language) when
    the text is too short or too mixed to tell."""
    fallback = default or default_language()
    sample = " ".join((text or "").split())
    if len(sample) < MIN_DETECTION_CHARS:
        return fallback
    detector = _detector(tuple(claim_languages()))
    if detector is None:
        return fallback
    found = detector.detect_language_of(sample[:5000])
    return found.iso_code_639_1.name.lower() if found is not None else fallback


@lru_cache(maxsize=2)
def _detector(languages: tuple[str, ...]):
    """lingua's detector for exactly these languages, built once per process (per setting)."""
    codes = []
    for code in languages:
        try:
            codes.append(IsoCode639_1.from_str(code))
        except ValueError:
            continue  # a language lingua does not know is never detected
    if len(codes) < 2:
        return None  # one language: nothing to tell apart
    # Low accuracy mode loads only trigram models: for seven languages about 16 MB and under a
    # second to build, against about 200 MB and many seconds with every n-gram size
    # (bench/language_detection.py); among a few languages, sentences still come out right.
    # A minimum distance makes mixed or ambiguous text answer None (the default), not a guess.
    return (
        LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        .with_minimum_relative_distance(0.1)
        .with_low_accuracy_mode()
        .build()
    )
