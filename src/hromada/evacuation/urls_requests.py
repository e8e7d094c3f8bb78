from __future__ import annotations

from django.urls import URLPattern, path

from hromada.evacuation import views_requests as views

urlpatterns: list[URLPattern] = [
    path("waitlist/", views.waitlist_view, name="waitlist"),
    path("requests/new/", views.request_find, name="request_find"),
    path("households/<uuid:pk>/request/", views.request_create, name="request_create"),
    path("requests/<uuid:pk>/", views.request_detail, name="request"),
    path("requests/<uuid:pk>/edit/", views.request_edit, name="request_edit"),
    path("requests/<uuid:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("requests/<uuid:pk>/adjust/", views.request_adjust, name="request_adjust"),
    path("vehicles/", views.vehicle_list, name="vehicles"),
    path("vehicles/new/", views.vehicle_create, name="vehicle_create"),
    path("vehicles/<uuid:pk>/", views.vehicle_edit, name="vehicle_edit"),
    path("centres/", views.centre_list, name="centres"),
    path("centres/new/", views.centre_create, name="centre_create"),
]
