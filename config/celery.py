"""Celery application. Without a broker (CELERY_BROKER_URL unset) tasks run eagerly in-process.

Tasks are fail-soft (`delay()` logs and moves on when the broker is down) and the worker
survives a broker outage: both come from ops.broker. The worker's heartbeats and check logs are
ops.signals, connected when Django sets up the apps.
"""

import os

from celery import Celery

from ops.broker import FailSoftTask, tolerate_closed_connections

tolerate_closed_connections()

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("claimwatch", task_cls=FailSoftTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
