from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

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
    login. The last-seen time is written at most once a minute, not on every scan, and never
    for the desk's own polling of the stock figure (an open desk is not a volunteer at it)."""

    STARTED = "hromada_started"
    SEEN = "hromada_seen"
    SEEN_RESOLUTION = 60
    POLL_HEADER = "X-Hromada-Poll"

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
                return self._to_login(request)
            polled = bool(request.headers.get(self.POLL_HEADER))
            if not polled and (now - seen >= self.SEEN_RESOLUTION or self.SEEN not in session):
                session[self.SEEN] = now
        return self.get_response(request)

    def _to_login(self, request: HttpRequest) -> HttpResponse:
        """Back to the login page, and after it to the page the user was on: for a POST or an
        htmx request that is the page that sent it, not the URL it was sent to."""
        page = request.get_full_path()
        sender = request.headers.get("HX-Current-URL") or request.headers.get("Referer") or ""
        if request.method != "GET" or request.headers.get("HX-Request"):
            page = urlsplit(sender).path if sender else "/"
            if not url_has_allowed_host_and_scheme(page, allowed_hosts=None):
                page = "/"
        login = redirect_to_login(page)
        if request.headers.get("HX-Request"):
            # htmx would swap the login page into the answer box; make the browser go there
            response = HttpResponse(status=200)
            response["HX-Redirect"] = login["Location"]
            return response
        return login
