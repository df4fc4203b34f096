"""The default rating scale's words, for the catalogues: the scale itself is data (installed by
migration 0002, editable), so its labels and descriptions reach readers through
`Rating.shown_label` / `shown_description`, translated when they are still the default ones and
shown as written once an editor has changed them."""

from django.utils.translation import gettext_noop

DEFAULT_SCALE_WORDS = (
    gettext_noop("Accurate"),
    gettext_noop("The claim is correct and nothing significant is missing."),
    gettext_noop("Mostly accurate"),
    gettext_noop("The claim is correct but needs clarification or additional context."),
    gettext_noop("Mixed"),
    gettext_noop("The claim is partly correct and partly wrong, or leaves out important context."),
    gettext_noop("Misleading"),
    gettext_noop("The figures may be right but the claim gives a wrong impression."),
    gettext_noop("Inaccurate"),
    gettext_noop("The claim is wrong on the evidence available."),
    gettext_noop("Unverifiable"),
    gettext_noop("There is not enough public evidence to say whether the claim is right."),
)
