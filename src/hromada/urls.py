from __future__ import annotations

from django.urls import include, path
from django.views.i18n import set_language

from hromada.api import api
from hromada.core.permissions import public

urlpatterns = [
    path("", include("hromada.core.urls")),
    path("people/", include("hromada.people.urls")),
    path("stock/", include("hromada.stock.urls")),
    path("distribution/", include("hromada.distribution.urls")),
    path("evacuation/", include("hromada.evacuation.urls")),
    path("reports/", include("hromada.reports.urls")),
    path("language/", public(set_language), name="set_language"),
    path("api/v1/", api.urls),
]
