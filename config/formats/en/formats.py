"""English dates as the publication writes them: British day-month order, in words on pages."""

from django.conf.locale.en_GB.formats import *  # noqa: F403  (input formats, first day of week)

DATE_FORMAT = "j F Y"  # 2 December 2026
DATETIME_FORMAT = "j F Y, H:i"  # 2 December 2026, 14:30
TIME_FORMAT = "H:i"
