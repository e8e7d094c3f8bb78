from __future__ import annotations

from django.urls import path

from hromada.people import views, views_import

app_name = "people"
urlpatterns = [
    path("", views.household_list, name="households"),
    path("new/", views.household_create, name="household_create"),
    path("<uuid:pk>/", views.household_detail, name="household"),
    path("<uuid:pk>/card/", views.card_issue, name="card_issue"),
    path("cards/<uuid:pk>/revoke/", views.card_revoke, name="card_revoke"),
    path("cards/sheet/", views.card_sheet, name="card_sheet"),
    path("<uuid:pk>/address/", views.household_address, name="household_address"),
    path("<uuid:pk>/proxies/", views.proxy_add, name="proxy_add"),
    path("proxies/<uuid:pk>/revoke/", views.proxy_revoke, name="proxy_revoke"),
    path("<uuid:pk>/members/new/", views.member_add, name="member_add"),
    path("persons/<uuid:pk>/", views.person_detail, name="person"),
    path("persons/<uuid:pk>/edit/", views.person_edit, name="person_edit"),
    path("duplicates/", views.duplicate_queue, name="duplicates"),
    path("duplicates/scan/", views.duplicate_scan, name="duplicate_scan"),
    path("duplicates/<uuid:pk>/", views.duplicate_pair, name="duplicate"),
    path("duplicates/<uuid:pk>/decide/", views.duplicate_decide, name="duplicate_decide"),
    path("counts/", views.registry_counts, name="counts"),
    path("import/", views_import.import_upload, name="import"),
    path("import/<uuid:pk>/columns/", views_import.import_map, name="import_map"),
    path("import/<uuid:pk>/", views_import.import_preview, name="import_preview"),
    path("import/<uuid:pk>/run/", views_import.import_run, name="import_run"),
    path("import/<uuid:pk>/discard/", views_import.import_discard, name="import_discard"),
]
