"""Text hygiene at the edges: what may enter the system as text, decided in one place.

Every door (admin forms through the models' `clean_fields`, API bodies through the parser,
the ClaimReview importer, intake, fetched titles and page text) cleans with these functions:

- control characters other than tab and newline are removed; CR and CRLF become LF, vertical
  tab, form feed and NEL become LF (Word and PDFs use them as line breaks);
- NUL and lone surrogates are refused with a field error where a person or a client sent the
  text (`clean_text`): PostgreSQL cannot store the first, UTF-8 cannot encode the second;
- text that arrives with no one to answer (a fetched page) or leaves the system (feeds,
  JSON-LD) is scrubbed instead (`scrub_text`): NUL dropped, surrogates replaced by U+FFFD.

XML 1.0 allows none of the removed characters, so feeds built from cleaned text are valid.
Plain Python and Django's ValidationError only, so models and every app may use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError

NULL_MESSAGE = "Null characters are not allowed."
SURROGATE_MESSAGE = "Unpaired surrogate characters (U+D800 to U+DFFF) are not allowed."

# Line breaks in other spellings: CRLF, CR, vertical tab, form feed, NEL.
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85]")
# What XML 1.0 refuses or discourages and no one types: C0 controls but tab, newline and NUL
# (refused separately), DEL, the C1 controls and the two non-characters U+FFFE and U+FFFF.
_REMOVED = re.compile("[\x01-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def strip_control_characters(text: str) -> str:
    """`text` with line breaks as LF and other control characters removed (NUL and
    surrogates are left for `text_problems` to refuse)."""
    return _REMOVED.sub("", _LINE_BREAKS.sub("\n", text))


def text_problems(text: str) -> list[str]:
    """Why `text` cannot be stored: a NUL, a lone surrogate, or both; empty when it can."""
    if not _UNSAFE.search(text):
        return []
    problems = []
    if "\x00" in text:
        problems.append(NULL_MESSAGE)
    if _SURROGATE.search(text):
        problems.append(SURROGATE_MESSAGE)
    return problems


def clean_text(text: str) -> str:
    """Text sent by a person or a client, cleaned; ValidationError for a NUL or a lone
    surrogate (each with its own code, so forms and the API show it as a field error)."""
    problems = text_problems(text)
    if problems:
        raise ValidationError(
            [
                ValidationError(m, code="null_characters" if m == NULL_MESSAGE else "surrogates")
                for m in problems
            ]
        )
    return strip_control_characters(text)


def scrub_text(text: str) -> str:
    """Text no one can be asked to fix (fetched pages, rows stored before the clean-up,
    anything written to XML), made safe: NUL dropped, lone surrogates as U+FFFD."""
    if _UNSAFE.search(text):
        text = _SURROGATE.sub("\ufffd", text.replace("\x00", ""))
    return strip_control_characters(text)


def is_clean(text: str) -> bool:
    """Whether `text` is already what `scrub_text` would make of it."""
    return scrub_text(text) == text


def scrub_structure(value: Any) -> Any:
    """Every string in a JSON-like value (keys included) scrubbed; other values unchanged."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {scrub_structure(k): scrub_structure(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_structure(item) for item in value]
    return value


def strip_structure(value: Any) -> Any:
    """Every string in a JSON-like value with its control characters removed (keys included);
    NUL and surrogates are kept for the field that receives them to refuse."""
    if isinstance(value, str):
        return strip_control_characters(value)
    if isinstance(value, Mapping):
        return {strip_structure(k): strip_structure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_structure(item) for item in value]
    return value


# In a UTF-8 JSON text, what a string holding a character `strip_control_characters` changes
# must show: control characters are escaped (\r, \b, \f, \u0001...), DEL, the C1 controls and
# U+FFFE/U+FFFF may also be raw. A false alarm (an escaped backslash before "r") costs a walk.
_JSON_MAY_NEED_STRIPPING = re.compile(
    rb"\\(?:[rbf]|u00[0189][0-9a-fA-F]|u007[fF]|u[fF]{3}[eEfF])|\x7f|\xc2[\x80-\x9f]|\xef\xbf[\xbe\xbf]"
)


def strip_json_body(value: Any, body: bytes | None = None) -> Any:
    """`strip_structure` for a parsed request body; `body`, the raw UTF-8 JSON it came from,
    lets a body that cannot hold a control character through without walking it."""
    if body is not None and b"\x00" not in body and not _JSON_MAY_NEED_STRIPPING.search(body):
        return value
    if isinstance(value, str):
        return strip_control_characters(value)
    # A freshly parsed body belongs to no one else: cleaned in place, only where needed.
    _strip_in_place(value)
    return value


# What strip_control_characters would change: its two patterns, searched once.
_CHANGED_BY_STRIPPING = re.compile(f"{_LINE_BREAKS.pattern}|{_REMOVED.pattern}")


def _strip_in_place(value: Any) -> None:
    if isinstance(value, dict):
        renamed = [
            key for key in value if isinstance(key, str) and _CHANGED_BY_STRIPPING.search(key)
        ]
        for key in renamed:
            value[strip_control_characters(key)] = value.pop(key)
        for key, item in value.items():
            if isinstance(item, str):
                if _CHANGED_BY_STRIPPING.search(item):
                    value[key] = strip_control_characters(item)
            elif isinstance(item, dict | list):
                _strip_in_place(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                if _CHANGED_BY_STRIPPING.search(item):
                    value[index] = strip_control_characters(item)
            elif isinstance(item, dict | list):
                _strip_in_place(item)


def structure_problems(value: Any, path: str = "") -> list[str]:
    """Every NUL or lone surrogate in a JSON-like value, as "path: message" (keys included)."""
    if isinstance(value, str):
        return [f"{path}: {problem}" if path else problem for problem in text_problems(value)]
    found: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and text_problems(key):
                found.extend(f"{path or 'key'}: {p} (in a key)" for p in text_problems(key))
                name = f"{path}.?" if path else "?"
            found.extend(structure_problems(item, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(structure_problems(item, f"{path}[{index}]"))
    return found


def _text_field_names(instance: Any, exclude: Iterable[str]) -> list[str]:
    # CharField covers SlugField, EmailField and URLField; TextField is separate.
    from django.db import models

    excluded = set(exclude or ())
    return [
        f.attname
        for f in instance._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and f.name not in excluded
    ]


def clean_instance_text(instance: Any, exclude: Iterable[str] = ()) -> dict[str, list[str]]:
    """Clean the text fields of a model instance in place; the refused ones as field errors.

    Text fields hold strings; JSON fields holding lists of strings (sameAs URLs) too.
    """
    from django.db import models

    errors: dict[str, list[str]] = {}
    for name in _text_field_names(instance, exclude):
        value = getattr(instance, name)
        if isinstance(value, str):
            problems = text_problems(value)
            if problems:
                errors[name] = problems
            else:
                setattr(instance, name, strip_control_characters(value))
    excluded = set(exclude or ())
    for f in instance._meta.concrete_fields:
        if isinstance(f, models.JSONField) and f.name not in excluded:
            value = getattr(instance, f.attname)
            problems = structure_problems(value)
            if problems:
                errors[f.attname] = problems
            elif value is not None:
                setattr(instance, f.attname, strip_structure(value))
    return errors


class CleanTextModelMixin:
    """Models whose text comes from people: `full_clean` (the admin's forms and inlines, and
    any caller that validates) cleans every text field and refuses NUL and lone surrogates."""

    def clean_fields(self, exclude=None) -> None:
        errors = clean_instance_text(self, exclude or ())
        try:
            super().clean_fields(exclude=exclude)  # type: ignore[misc]
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)


def scrub_stored_rows(model: Any, using: str = "default", chunk_size: int = 2000) -> int:
    """Scrub the text fields of every stored row of `model` (a data migration's historical
    model too), writing only the rows that change; returns how many changed."""
    from django.db import models

    names = [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and not f.primary_key
    ]
    manager = model._default_manager.using(using)
    changed = 0
    for pk, *values in manager.values_list("pk", *names).iterator(chunk_size=chunk_size):
        cleaned = {
            name: scrub_text(value)
            for name, value in zip(names, values, strict=True)
            if isinstance(value, str) and not is_clean(value)
        }
        if cleaned:
            manager.filter(pk=pk).update(**cleaned)
            changed += 1
    return changed
