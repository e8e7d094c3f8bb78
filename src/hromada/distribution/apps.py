from __future__ import annotations

from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "hromada.distribution"
    label = "distribution"
