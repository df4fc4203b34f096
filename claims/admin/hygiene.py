"""Text areas of the admin cleaned as the models clean them (claims.hygiene), in the form field.

Browsers send a textarea's line breaks as CRLF while stored text has LF: cleaning in the form
field (not only in the model) keeps `has_changed` honest, so saving a published claim without
touching it never looks like an edit that needs a correction note.
"""

from __future__ import annotations

from django import forms
from django.db import models

from claims.hygiene import strip_control_characters, text_problems


def _refuse_unstorable(value: str) -> None:
    problems = text_problems(value)
    if problems:
        raise forms.ValidationError(problems)


class CleanTextareaField(forms.CharField):
    """A textarea's text with control characters removed and line breaks as LF; NUL and lone
    surrogates are form errors."""

    default_validators = [_refuse_unstorable]

    def to_python(self, value):
        value = super().to_python(value)
        return strip_control_characters(value) if isinstance(value, str) else value


# For `formfield_overrides` of every ModelAdmin and inline of ours.
TEXT_FORMFIELD_OVERRIDES = {models.TextField: {"form_class": CleanTextareaField}}
