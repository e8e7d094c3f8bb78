from __future__ import annotations

from django.urls import URLPattern, path

from hromada.evacuation import views_trips as views

urlpatterns: list[URLPattern] = [
    path("trips/", views.trip_list, name="trips"),
    path("trips/new/", views.trip_create, name="trip_create"),
    path("trips/<uuid:pk>/", views.trip_detail, name="trip"),
    path("trips/<uuid:pk>/cancel/", views.trip_cancel, name="trip_cancel"),
    path("trips/<uuid:pk>/plan/", views.trip_plan, name="trip_plan"),
    path("trips/<uuid:pk>/plan/save/", views.trip_plan_save, name="trip_plan_save"),
    path("trips/<uuid:pk>/manifest/", views.trip_manifest, name="trip_manifest"),
    path("trips/<uuid:pk>/boarding/", views.trip_boarding, name="trip_boarding"),
    path("trips/<uuid:pk>/boarding/scan/", views.trip_boarding_scan, name="trip_boarding_scan"),
    path("trips/<uuid:pk>/boarding/add/", views.trip_add, name="trip_add"),
    path("trips/<uuid:pk>/depart/", views.trip_depart, name="trip_depart"),
    path("trips/<uuid:pk>/arrival/", views.trip_arrival, name="trip_arrival"),
    path("trips/<uuid:pk>/arrival/scan/", views.trip_arrival_scan, name="trip_arrival_scan"),
    path("trips/<uuid:pk>/arrival/close/", views.trip_arrival_close, name="trip_arrival_close"),
    path("passengers/<uuid:pk>/board/", views.passenger_board, name="passenger_board"),
    path("passengers/<uuid:pk>/no-show/", views.passenger_no_show, name="passenger_no_show"),
    path("passengers/<uuid:pk>/take-off/", views.passenger_remove, name="passenger_remove"),
    path("passengers/<uuid:pk>/arrived/", views.passenger_arrived, name="passenger_arrived"),
    path("passengers/<uuid:pk>/resolve/", views.passenger_resolve, name="passenger_resolve"),
    path("unaccounted/", views.unaccounted, name="unaccounted"),
]
