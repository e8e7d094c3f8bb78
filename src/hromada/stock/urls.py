from __future__ import annotations

from django.urls import path

from hromada.stock import views

app_name = "stock"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("deliveries/new/", views.delivery_create, name="delivery_create"),
    path("deliveries/<uuid:pk>/", views.delivery_detail, name="delivery"),
    path("lines/<uuid:pk>/", views.line_detail, name="line"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/new/", views.transfer_create, name="transfer_create"),
    path("transfers/<uuid:pk>/receive/", views.transfer_receive, name="transfer_receive"),
    path("losses/new/", views.loss_create, name="loss_create"),
    path("counts/new/", views.count_create, name="count_create"),
]
