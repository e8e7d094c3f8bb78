from __future__ import annotations

from django.urls import path

from hromada.people import views

app_name = "people"
urlpatterns = [
    path("", views.household_list, name="households"),
    path("new/", views.household_create, name="household_create"),
    path("<uuid:pk>/", views.household_detail, name="household"),
    path("<uuid:pk>/card/", views.card_issue, name="card_issue"),
    path("cards/<uuid:pk>/revoke/", views.card_revoke, name="card_revoke"),
    path("cards/sheet/", views.card_sheet, name="card_sheet"),
]
