"""The API's language fields: a claim language, validated against `CLAIMS_LANGUAGES`."""

from __future__ import annotations

from rest_framework import serializers

from claims.languages import language_choices


class LanguageField(serializers.ChoiceField):
    """One of the configured claim languages (ISO 639-1 code); an unknown code is a 400."""

    def __init__(self, **kwargs) -> None:
        # Read on every serializer instance, so the setting is the one in force now.
        kwargs.setdefault("help_text", "ISO 639-1 code of a configured claim language.")
        super().__init__(choices=language_choices(), **kwargs)
