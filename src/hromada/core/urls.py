from __future__ import annotations

from django.urls import path

from hromada.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("audit/", views.audit_log, name="audit"),
    path("users/", views.users, name="users"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
]
