from __future__ import annotations

from django.urls import path

from hromada.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("daily.csv", views.export_daily, {"fmt": "csv"}, name="daily_csv"),
    path("daily.xlsx", views.export_daily, {"fmt": "xlsx"}, name="daily_xlsx"),
    path("daily.hxl.csv", views.export_daily, {"fmt": "hxl"}, name="daily_hxl"),
    path("stock.csv", views.export_stock, {"fmt": "csv"}, name="stock_csv"),
    path("stock.xlsx", views.export_stock, {"fmt": "xlsx"}, name="stock_xlsx"),
    path("stock.hxl.csv", views.export_stock, {"fmt": "hxl"}, name="stock_hxl"),
    path("evacuation/", views.evacuation, name="evacuation"),
    path("evacuation.csv", views.export_evacuation, {"fmt": "csv"}, name="evacuation_csv"),
    path("evacuation.xlsx", views.export_evacuation, {"fmt": "xlsx"}, name="evacuation_xlsx"),
    path("evacuation.hxl.csv", views.export_evacuation, {"fmt": "hxl"}, name="evacuation_hxl"),
]
