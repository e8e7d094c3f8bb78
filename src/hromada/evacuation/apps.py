from __future__ import annotations

from django.apps import AppConfig


class EvacuationConfig(AppConfig):
    name = "hromada.evacuation"
    label = "evacuation"
