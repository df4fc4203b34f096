"""The admin's change lists, hardened: a filter value the database cannot take (a NUL, a year
past 9999, a number too large for C) is an "incorrect lookup" like any other bad filter, so
Django's admin redirects with `?e=1` rather than failing in the count query with a 500.

`EditorialModelAdmin` is the base of every ModelAdmin of ours (claims and sources); it also
cleans text areas in the form (claims.admin.hygiene).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.http import HttpRequest

from claims.admin.hygiene import TEXT_FORMFIELD_OVERRIDES
from claims.hygiene import text_problems


class HardenedChangeList(ChangeList):
    """A ChangeList that refuses filter values no query can use, before any query runs."""

    def get_filters(self, request: HttpRequest):
        for key, values in request.GET.lists():
            if text_problems(key) or any(text_problems(value) for value in values):
                raise IncorrectLookupParameters(f"Unusable characters in the filter {key!r}.")
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            # The date hierarchy builds datetimes from ?<field>__year/__month/__day itself.
            raise IncorrectLookupParameters(error) from error

    def get_queryset(self, request: HttpRequest, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        try:
            # Lookups are compiled lazily, in the count query; compile now so an impossible
            # value (year 99999999999999999999) is caught as a bad filter.
            queryset.query.get_compiler(queryset.db).as_sql()
        except (EmptyResultSet, FullResultSet):
            pass  # a filter that matches nothing or everything is a fine query
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error
        return queryset


class EditorialModelAdmin(admin.ModelAdmin):
    """ModelAdmin with the hardened change list and cleaned text areas."""

    formfield_overrides = TEXT_FORMFIELD_OVERRIDES

    def get_changelist(self, request: HttpRequest, **kwargs):
        return HardenedChangeList
