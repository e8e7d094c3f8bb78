from __future__ import annotations

from django.urls import path

from hromada.distribution import views

app_name = "distribution"
urlpatterns = [
    path("", views.session_list, name="sessions"),
    path("programmes/", views.programme_list, name="programmes"),
    path("sessions/new/", views.session_open, name="session_open"),
    path("sessions/<uuid:pk>/close/", views.session_close, name="session_close"),
    path("desk/<uuid:pk>/", views.desk, name="desk"),
    path("desk/<uuid:pk>/checkin/", views.checkin, name="checkin"),
    path("desk/<uuid:pk>/name/", views.desk_name, name="desk_name"),
    path("desk/<uuid:pk>/left/", views.stock_left, name="stock_left"),
    path("report/", views.report, name="report"),
]
