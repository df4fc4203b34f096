"""Form widgets of the public pages rendered in Python, to the byte the HTML of Django's own
widget templates: rendering every option of a long select through the template engine cost
more than the rest of the list page."""

from __future__ import annotations

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe


def _text(value) -> str:
    """`{{ value|stringformat:'s' }}` in a template: the value as text, escaped unless safe."""
    return conditional_escape(value if isinstance(value, SafeData) else str(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(" " + conditional_escape(name))
        if value is not True:
            parts.append('="' + _text(value) + '"')
    return "".join(parts)


class QuickSelect(forms.Select):
    """forms.Select, rendered without the template engine (same HTML as select.html)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        out = ['<select name="', _text(widget["name"]), '"', _attrs(widget["attrs"]), ">"]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                out.append('\n  <optgroup label="' + _text(group_name) + '">')
            for option in options:
                out.append('\n  <option value="' + _text(option["value"]) + '"')
                out.append(_attrs(option["attrs"]))
                out.append(
                    ">" + _text(option["label"]) + "</option>\n"
                )  # the template's final newline
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))  # noqa: S308 - every value escaped above
