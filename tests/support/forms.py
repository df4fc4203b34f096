"""The data a browser would post from a page's form, for tests and bench/ that submit forms."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormFields(HTMLParser):
    """Name → value(s) of the fields of a POST <form>, as a browser would send them."""

    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.data: dict[str, list[str]] = {}
        self.in_form = self.done = False
        self.textarea: str | None = None
        self.select: str | None = None
        self.select_first: str | None = None
        self.select_chosen = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.done:
            return
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.in_form = self.form_id is None or attrs.get("id") == self.form_id
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(
                attrs.get("value") or ("on" if kind == "checkbox" else "")
            )
        elif tag == "textarea" and name:
            self.textarea = name
            self.data.setdefault(name, []).append("")
        elif tag == "select" and name:
            self.select, self.select_chosen = name, False
        elif tag == "option" and self.select and "selected" in attrs:
            self.data.setdefault(self.select, []).append(attrs.get("value", ""))
            self.select_chosen = True

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def form_data(html: str, form_id: str | None = None) -> dict[str, list[str] | str]:
    """The data a browser would post from the page's form (by id), unchanged."""
    parser = _FormFields(form_id)
    parser.feed(html)
    return {k: v if len(v) > 1 else v[0] for k, v in parser.data.items()}
