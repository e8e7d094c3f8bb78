from __future__ import annotations

from django.urls import path

from hromada.distribution import views, views_paper

app_name = "distribution"
urlpatterns = [
    path("", views.session_list, name="sessions"),
    path("programmes/", views.programme_list, name="programmes"),
    path("programmes/<uuid:pk>/", views.programme_edit, name="programme_edit"),
    path("pauses/", views.pauses, name="pauses"),
    path("pauses/<uuid:pk>/resume/", views.resume, name="resume"),
    path("sessions/new/", views.session_open, name="session_open"),
    path("sessions/<uuid:pk>/close/", views.session_close, name="session_close"),
    path("sessions/<uuid:pk>/settings/", views.session_settings, name="session_settings"),
    path("sessions/<uuid:pk>/collections/", views.collection_list, name="collections"),
    path("collections/<uuid:pk>/reverse/", views.collection_reverse, name="collection_reverse"),
    path("collections/<uuid:pk>/proxy/", views.record_proxy, name="record_proxy"),
    path("desk/<uuid:pk>/", views.desk, name="desk"),
    path("desk/<uuid:pk>/checkin/", views.checkin, name="checkin"),
    path("desk/<uuid:pk>/name/", views.desk_name, name="desk_name"),
    path("desk/<uuid:pk>/left/", views.stock_left, name="stock_left"),
    path("desk/<uuid:pk>/find/", views.find, name="find"),
    path("desk/<uuid:pk>/without-card/", views.serve_without_card, name="serve_without_card"),
    path("report/", views.report, name="report"),
    # time slots and paper lists
    path("sessions/<uuid:pk>/slots/", views_paper.slots, name="slots"),
    path("sessions/<uuid:pk>/tickets/", views_paper.tickets, name="tickets"),
    path("desk/<uuid:pk>/due-now/", views_paper.due_now_fragment, name="due_now"),
    path("sessions/<uuid:pk>/paper/", views_paper.paper_list, name="paper_list"),
    path("sessions/<uuid:pk>/paper/entry/", views_paper.paper_entry, name="paper_entry"),
    path("paper/conflicts/", views_paper.paper_conflicts, name="paper_conflicts"),
]
