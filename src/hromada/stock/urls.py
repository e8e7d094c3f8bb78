from __future__ import annotations

from django.urls import path

from hromada.stock import views

app_name = "stock"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("deliveries/new/", views.delivery_create, name="delivery_create"),
    path("counts/new/", views.count_create, name="count_create"),
]
