from __future__ import annotations

from hromada.evacuation.urls_requests import urlpatterns as request_urls
from hromada.evacuation.urls_trips import urlpatterns as trip_urls

app_name = "evacuation"
urlpatterns = [*request_urls, *trip_urls]
