"""The editor's desk on the admin index (templates/admin/index.html)."""

from __future__ import annotations

from django import template

from claims.desk import DeskSection, desk_for

register = template.Library()


@register.simple_tag
def editor_desk(user) -> list[DeskSection]:
    return desk_for(user)
