from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# Only the app's own files: no CDN, no inline script, nothing from the internet.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """Headers every answer carries; pages for a logged-in user are never cached, since
    they hold people's names."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response


class LanguageMiddleware(LocaleMiddleware):
    """Pages are in Ukrainian unless the user chose English (the language cookie), whatever
    the browser says: many laptops here run an English browser for Ukrainian volunteers.
    The JSON API follows the request's Accept-Language, as devices expect."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/"):
            super().process_request(request)
            return
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SessionLimitsMiddleware:
    """End a logged-in session after a spell of inactivity, and at an absolute limit after
    login. The last-seen time is written at most once a minute, not on every scan."""

    STARTED = "hromada_started"
    SEEN = "hromada_seen"
    SEEN_RESOLUTION = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = int(session.setdefault(self.STARTED, now))
            seen = int(session.get(self.SEEN, now))
            idle = now - seen > settings.HROMADA_SESSION_IDLE_SECONDS
            too_old = now - started > settings.HROMADA_SESSION_MAX_SECONDS
            if idle or too_old:
                logout(request)  # flushes the session on the server, not only the cookie
                return redirect_to_login(request.get_full_path())
            if now - seen >= self.SEEN_RESOLUTION or self.SEEN not in session:
                session[self.SEEN] = now
        return self.get_response(request)
