"""Admin for sources, citations and monitoring history; the evidence parts of the claim desk.

Claims may not import sources, so what the claim desk needs from here is wired from this
side: the citation inline joins the claim page through `claims.admin.add_claim_inline`, and
the "Intake from article" screen is `claim_intake_view`, routed in config/urls.py at the
claim admin's address (admin/claims/claim/intake/).
"""

from __future__ import annotations

import difflib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from claims import workflow
from claims.admin import add_claim_inline
from claims.admin.changelists import EditorialModelAdmin
from claims.admin.claims import ClaimPartAdmin, ClaimPartFormSet, ClaimPartInlineMixin
from claims.admin.intake import IntakeForm, intake_page
from claims.caching import deferred_invalidation
from claims.exceptions import WorkflowError
from claims.models import Claim
from sources import intake
from sources.citations import delete_citation, save_citation
from sources.excerpts import diff_snapshots
from sources.models import (
    MONITORING_FIELDS,
    Citation,
    CitationRevision,
    Snapshot,
    Source,
    SourceCheck,
    excerpt_digest,
)
from sources.revisions import ACCEPTABLE, accept_found_passage, can_accept
from sources.tasks import BrokerUnavailable, queue_checks_now

STATE_COLOURS = {
    Source.State.UNCHECKED: "#57606a",
    Source.State.OK: "#1a7f37",
    Source.State.CHANGED: "#8a5a00",
    Source.State.REDIRECTED: "#0b5cad",
    Source.State.BROKEN: "#b42318",
    Source.State.BLOCKED: "#6e3fae",
}


def state_badge(source: Source) -> str:
    return format_html(
        '<span style="background:{};color:#fff;padding:1px 6px;border-radius:3px">{}</span>',
        STATE_COLOURS.get(source.state, "#57606a"),
        source.get_state_display(),
    )


class CitationFormSet(ClaimPartFormSet):
    """Refuse the same excerpt of the same source twice within one save."""

    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            source = form.cleaned_data.get("source") or getattr(form.instance, "source", None)
            claim = form.cleaned_data.get("claim") or getattr(form.instance, "claim", None)
            excerpt = form.cleaned_data.get("excerpt")
            if not excerpt or source is None:
                continue
            key = (getattr(claim, "pk", None), source.pk, excerpt_digest(excerpt))
            if key in seen:
                raise ValidationError(_("The same excerpt of the same source is cited twice."))
            seen.add(key)


class CitationInline(ClaimPartInlineMixin, admin.StackedInline):
    model = Citation
    formset = CitationFormSet
    extra = 0
    autocomplete_fields = ["source"]
    fields = [
        "source",
        "role",
        "excerpt",
        ("excerpt_prefix", "excerpt_suffix"),
        "cited_figure",
        "note",
        ("excerpt_state", "found_figure", "excerpt_checked_at"),
        "found_text",
    ]
    readonly_fields = ["excerpt_state", "found_figure", "excerpt_checked_at", "found_text"]


class SourceCitationFormSet(CitationFormSet):
    """Citations of one source, each of its own claim: those of published claims are changed
    on the claim's page, where the change is recorded as a correction or an update."""

    request_user = None

    def clean(self) -> None:
        forms.BaseInlineFormSet.clean(self)
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.has_changed():
                continue
            claims = {form.cleaned_data.get("claim")}
            if form.instance.pk is not None:
                claims.add(form.instance.claim)
            for claim in filter(None, claims):
                try:
                    workflow.require_can_change_published_part(self.request_user, claim)
                except workflow.NotAllowed as refusal:
                    raise ValidationError(str(refusal)) from None
                if claim.is_public:
                    raise ValidationError(
                        _(
                            "“%(claim)s” is published: change its citations on the claim’s "
                            "page, where the change is recorded as a correction or an update."
                        )
                        % {"claim": claim}
                    )


class SourceCitationInline(CitationInline):
    formset = SourceCitationFormSet
    autocomplete_fields = ["claim"]
    fields = ["claim", "role", "excerpt", "cited_figure", "excerpt_state", "found_figure"]
    verbose_name_plural = _("Citations of this source")

    def _may_change(self, request: HttpRequest, obj) -> bool:
        # The parent is a source: each row's claim is checked by the formset.
        return True

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request_user = request.user
        return formset


add_claim_inline(CitationInline)


class SourceCheckInline(admin.TabularInline):
    model = SourceCheck
    extra = 0
    max_num = 0
    can_delete = False
    fields = [
        "started_at",
        "last_seen_at",
        "repeat_count",
        "outcome",
        "http_status",
        "duration_ms",
        "final_url",
        "error",
    ]
    readonly_fields = fields
    ordering = ["-last_seen_at"]
    verbose_name_plural = _("Check history (one row per change of outcome)")


def snapshot_diff_table(older: Snapshot, newer: Snapshot) -> str:
    """Side-by-side HTML diff of two snapshots' main text (difflib escapes the text itself)."""
    table = difflib.HtmlDiff(wrapcolumn=80).make_table(
        older.main_text.splitlines(),
        newer.main_text.splitlines(),
        fromdesc=escape(f"{older.created_at:%Y-%m-%d %H:%M} ({older.content_hash[:10]})"),
        todesc=escape(f"{newer.created_at:%Y-%m-%d %H:%M} ({newer.content_hash[:10]})"),
        context=True,
        numlines=2,
    )
    return mark_safe(table)  # noqa: S308 - HtmlDiff escapes every line; descriptions escaped above


@admin.register(Source)
class SourceAdmin(EditorialModelAdmin):
    list_display = [
        "__str__",
        "publisher",
        "kind",
        "state_label",
        "last_outcome",
        "last_checked_at",
        "next_check_at",
        "consecutive_failures",
    ]
    list_filter = ["state", "last_outcome", "kind", "monitoring_enabled"]
    search_fields = ["url", "title", "publisher"]
    actions = ["check_now"]
    # What monitoring writes is read-only here, except the title editors may correct (and the
    # body hash, which only tells checks that the bytes are the same).
    readonly_fields = [
        "host",
        *(f for f in MONITORING_FIELDS if f not in {"title", "body_hash"}),
        "snapshot_links",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["url", "title", "publisher", "kind", "monitoring_enabled"]}),
        (_("Monitoring"), {"fields": readonly_fields}),
    ]
    inlines = [SourceCitationInline, SourceCheckInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Source | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.cited_by_public_claim():
            # Never edited in place: a new source replaces it through a recorded update.
            fields.append("url")
        return fields

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not Citation:
            return super().save_formset(request, form, formset, change)
        citations = formset.save(commit=False)
        for citation in formset.deleted_objects:
            delete_citation(citation, request.user)
        for citation in citations:
            save_citation(citation, request.user)
        formset.save_m2m()
        return None

    @admin.display(description=_("State"), ordering="state")
    def state_label(self, obj: Source) -> str:
        return state_badge(obj)

    @admin.display(description=_("Archived versions"))
    def snapshot_links(self, obj: Source) -> str:
        if not obj.pk:
            return "-"
        count = obj.snapshots.count()
        url = reverse("admin:sources_source_snapshots", args=[obj.pk])
        label = ngettext(
            "%(count)d version: text and differences",
            "%(count)d versions: text and differences",
            count,
        ) % {"count": count}
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.action(description=_("Check now (queued for the worker)"))
    def check_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        try:
            queue_checks_now(ids)
        except BrokerUnavailable as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d check queued; refresh in a moment.",
                "%(count)d checks queued; refresh in a moment.",
                len(ids),
            )
            % {"count": len(ids)},
            messages.SUCCESS,
        )

    def get_urls(self):
        extra = [
            path(
                "<int:source_id>/snapshots/",
                self.admin_site.admin_view(self.snapshots_view),
                name="sources_source_snapshots",
            ),
            path(
                "<int:source_id>/snapshots/<int:snapshot_id>/",
                self.admin_site.admin_view(self.snapshot_text_view),
                name="sources_source_snapshot_text",
            ),
            path(
                "<int:source_id>/snapshots/diff/",
                self.admin_site.admin_view(self.snapshot_diff_view),
                name="sources_source_snapshot_diff",
            ),
        ]
        return extra + super().get_urls()

    def _source_for(self, request: HttpRequest, source_id: int) -> Source:
        source = get_object_or_404(Source, pk=source_id)
        if not self.has_view_permission(request, source):
            raise PermissionDenied
        return source

    def _context(self, request: HttpRequest, source: Source, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "source": source,
            "title": title,
            **extra,
        }

    def snapshots_view(self, request: HttpRequest, source_id: int) -> HttpResponse:
        source = self._source_for(request, source_id)
        snapshots = list(
            source.snapshots.order_by("-created_at", "-pk").only(
                "pk", "created_at", "content_hash", "title", "content_type", "final_url"
            )
        )
        rows = [
            {"snapshot": snap, "previous": snapshots[i + 1] if i + 1 < len(snapshots) else None}
            for i, snap in enumerate(snapshots)
        ]
        context = self._context(
            request, source, _("Archived versions of %(source)s") % {"source": source}, rows=rows
        )
        return TemplateResponse(request, "admin/sources/source/snapshots.html", context)

    def snapshot_text_view(
        self, request: HttpRequest, source_id: int, snapshot_id: int
    ) -> HttpResponse:
        source = self._source_for(request, source_id)
        snapshot = get_object_or_404(Snapshot, pk=snapshot_id, source=source)
        context = self._context(
            request,
            source,
            _("Text of %(source)s on %(when)s")
            % {"source": source, "when": f"{snapshot.created_at:%Y-%m-%d %H:%M}"},
            snapshot=snapshot,
        )
        return TemplateResponse(request, "admin/sources/source/snapshot_text.html", context)

    def snapshot_diff_view(self, request: HttpRequest, source_id: int) -> HttpResponse:
        source = self._source_for(request, source_id)
        try:
            older_id, newer_id = int(request.GET["from"]), int(request.GET["to"])
        except (KeyError, ValueError):
            raise Http404("Choose two versions to compare.") from None
        older = get_object_or_404(Snapshot, pk=older_id, source=source)
        newer = get_object_or_404(Snapshot, pk=newer_id, source=source)
        context = self._context(
            request,
            source,
            _("Changes to %(source)s") % {"source": source},
            older=older,
            newer=newer,
            diff_table=snapshot_diff_table(older, newer),
            word_diff=diff_snapshots(older, newer, source.citations.all()),
            identical=older.content_hash == newer.content_hash,
        )
        return TemplateResponse(request, "admin/sources/source/snapshot_diff.html", context)


def passage_comparison_html(citation: Citation) -> str:
    """The cited excerpt and what the page now says, side by side, changed words marked (every
    piece of text is escaped by format_html)."""
    if not citation.excerpt_diff and not citation.figure_changes:
        return "-"
    old_parts, new_parts = [], []
    for step in citation.excerpt_diff:
        op = step.get("op")
        if op == "equal":
            old_parts.append(format_html("{} ", step.get("new", "")))
            new_parts.append(format_html("{} ", step.get("new", "")))
            continue
        if step.get("old"):
            old_parts.append(format_html('<del class="changed">{}</del> ', step["old"]))
        if step.get("new"):
            new_parts.append(format_html('<ins class="changed">{}</ins> ', step["new"]))
    if not citation.excerpt_diff:
        old_parts, new_parts = [citation.excerpt], [citation.found_text]
    changes = format_html_join(
        "",
        "<li>{} → {}</li>",
        (
            (c.get("old") or _("(none)"), c.get("new") or _("(none)"))
            for c in citation.figure_changes
        ),
    )
    return format_html(
        '<table class="passage-comparison"><thead><tr><th>{}</th>'
        "<th>{}</th></tr></thead><tbody><tr>"
        '<td style="width:50%">{}</td><td style="width:50%">{}</td></tr></tbody></table>'
        "{}",
        _("Cited excerpt"),
        _("The page now says"),
        mark_safe("".join(str(p) for p in old_parts)),  # noqa: S308 - parts escaped above
        mark_safe("".join(str(p) for p in new_parts)),  # noqa: S308 - parts escaped above
        format_html("<p>{}</p><ul>{}</ul>", _("Numbers changed:"), changes) if changes else "",
    )


class CitationRevisionInline(admin.TabularInline):
    model = CitationRevision
    extra = 0
    max_num = 0
    can_delete = False
    fields = [
        "changed_at",
        "changed_by",
        "excerpt_state",
        "old_excerpt",
        "new_excerpt",
        "old_cited_figure",
        "new_cited_figure",
        "note",
    ]
    readonly_fields = fields
    verbose_name_plural = _("History of this citation (earlier wordings and figures)")


@admin.register(Citation)
class CitationAdmin(ClaimPartAdmin):
    list_display = [
        "claim",
        "source",
        "role",
        "excerpt_state",
        "cited_figure",
        "found_figure",
        "attention_reason",
    ]
    list_filter = ["role", "excerpt_state"]
    list_select_related = ["claim", "source"]
    search_fields = ["excerpt", "claim__title", "source__url"]
    autocomplete_fields = ["claim", "source"]
    readonly_fields = [
        "excerpt_state",
        "attention_reason",
        "evidence_changed_at",
        "passage_comparison",
        "acting_on_the_change",
        "found_text",
        "found_figure",
        "excerpt_checked_at",
    ]
    inlines = [CitationRevisionInline]
    actions = ["accept_found_passages"]

    @admin.display(description=_("Old and new passage"))
    def passage_comparison(self, obj: Citation) -> str:
        return passage_comparison_html(obj)

    @admin.display(description=_("Act on the change"))
    def acting_on_the_change(self, obj: Citation) -> str:
        if not obj.pk or obj.excerpt_state not in ACCEPTABLE:
            return "-"
        accept = reverse("admin:sources_citation_accept", args=[obj.pk])
        correct = reverse("admin:claims_claim_change", args=[obj.claim_id])
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}#correction">{}</a>',
            accept,
            _("Accept the new wording / value"),
            correct,
            _("Open a correction of the claim"),
        )

    @admin.action(description=_("Accept what the page now says (new wording or figure)"))
    def accept_found_passages(self, request: HttpRequest, queryset: QuerySet[Citation]) -> None:
        accepted = 0
        # Many citations, one invalidation of each page version, sent once they are all done.
        with deferred_invalidation():
            for citation in queryset.select_related("claim"):
                try:
                    accept_found_passage(citation, request.user)
                except WorkflowError as error:
                    self.message_user(request, f"{citation}: {error}", messages.WARNING)
                else:
                    accepted += 1
        if accepted:
            self.message_user(request, f"{accepted} citation(s) updated.", messages.SUCCESS)

    def get_urls(self):
        extra = [
            path(
                "<int:citation_id>/accept/",
                self.admin_site.admin_view(self.accept_view),
                name="sources_citation_accept",
            ),
        ]
        return extra + super().get_urls()

    def accept_view(self, request: HttpRequest, citation_id: int) -> HttpResponse:
        """GET: the change side by side with a confirm button; POST: accept it."""
        citation = get_object_or_404(
            Citation.objects.select_related("claim", "source"), pk=citation_id
        )
        if not self.has_change_permission(request, citation):
            raise PermissionDenied
        change_url = reverse("admin:sources_citation_change", args=[citation.pk])
        if request.method == "POST":
            try:
                accept_found_passage(citation, request.user, request.POST.get("note", ""))
            except WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request, _("The citation now quotes the page as it is."), messages.SUCCESS
                )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Accept the new wording or value"),
            "citation": citation,
            "comparison": passage_comparison_html(citation),
            "allowed": citation.excerpt_state in ACCEPTABLE and can_accept(request.user, citation),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/sources/citation/accept.html", context)


@admin.register(SourceCheck)
class SourceCheckAdmin(EditorialModelAdmin):
    list_display = [
        "source",
        "outcome",
        "http_status",
        "repeat_count",
        "started_at",
        "last_seen_at",
    ]
    list_filter = ["outcome"]
    list_select_related = ["source"]
    search_fields = ["source__url", "error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Snapshot)
class SnapshotAdmin(EditorialModelAdmin):
    list_display = ["source", "created_at", "title", "content_hash"]
    list_select_related = ["source"]
    search_fields = ["source__url", "title"]
    readonly_fields = [
        "source",
        "created_at",
        "content_hash",
        "title",
        "content_type",
        "final_url",
        "main_text",
        "full_text",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def claim_intake_view(request: HttpRequest) -> HttpResponse:
    """Paste an article or give its URL, tick the candidate sentences to keep, get drafts."""
    if not admin.site.get_model_admin(Claim).has_add_permission(request):
        raise PermissionDenied
    form = IntakeForm(request.POST or None)
    creating = "create" in request.POST
    if request.method != "POST" or not form.is_valid():
        return intake_page(request, form=form, candidates=[], article_text="")
    ticked = set(request.POST.getlist("keep")) if creating else set()
    try:
        read = intake.intake_article(
            user=request.user,
            text=form.cleaned_data["text"],
            source_url=form.cleaned_data["source_url"] or "",
            claimant=form.cleaned_data["claimant"],
            published_on=form.cleaned_data["published_on"],
            threshold=form.cleaned_data["threshold"],
            choose=lambda ranked: [c for c in ranked if str(c.start) in ticked],
        )
    except intake.ArticleUnavailable as error:
        form.add_error("source_url", str(error))
        return intake_page(request, form=form, candidates=[], article_text="")
    except intake.DraftsRefused as refusal:
        messages.error(request, _("No drafts were created: %(reason)s") % {"reason": refusal})
        read = refusal.intake
    else:
        if read.drafts:
            messages.success(request, drafts_created_message(read.drafts))
            return HttpResponseRedirect(reverse("admin:claims_claim_changelist") + "?status=draft")
        if creating:
            messages.error(request, _("Tick at least one candidate to keep."))
    if not form.cleaned_data["text"].strip():
        # Show the fetched text, so drafts are created from exactly what was shown.
        data = request.POST.copy()
        data["text"] = read.article_text
        data["published_on"] = read.published_on.isoformat() if read.published_on else ""
        form = IntakeForm(data)
        form.is_valid()
    return intake_page(
        request, form=form, candidates=read.candidates, article_text=read.article_text
    )


def drafts_created_message(drafts: list[Claim]) -> str:
    return format_html(
        ngettext("Created {} draft claim: {}", "Created {} draft claims: {}", len(drafts)),
        len(drafts),
        format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:claims_claim_change", args=[c.pk]), c.title) for c in drafts),
        ),
    )


# Registers the import jobs' admin; a module of its own (admin autodiscovery reads this one).
from sources import import_admin  # noqa: E402, F401
