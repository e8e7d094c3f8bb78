"""The JSON API's frame: bearer tokens, errors as {"code", "message"}, and the token endpoint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from hromada.core.actions import do_issue_token
from hromada.core.idempotency import MAX_KEY_LENGTH, remember, replay, scoped
from hromada.core.models import ApiToken, User, hash_token
from hromada.core.throttle import Throttled, authenticate_throttled


class Error(Schema):
    code: str
    message: str


class Invalid(Error):
    """422: `fields` names what to correct; `errors` says why, per field, when it is known."""

    fields: list[str] = []
    errors: dict[str, list[str]] = {}


NO_NUL = r"^[^\x00]*$"  # PostgreSQL refuses NUL in text
SOME_TEXT = r"^[^\x00]*[^\x00\s][^\x00]*$"  # and not only spaces either


class Refusal(Exception):
    """An answer other than the one asked for, with its status and code: raised anywhere in
    an API view, it becomes that JSON answer (see install_error_handlers)."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(code)
        self.status = status
        self.body: dict[str, Any] = {"code": code, "message": message, **extra}


def invalid_fields(*fields: str) -> Refusal:
    """422 naming the fields, in the words the schema's own refusals use."""
    return Refusal(
        422,
        "invalid",
        _("The request is malformed; check these fields: %(fields)s.")
        % {"fields": ", ".join(fields)},
        fields=list(fields),
    )


TOKEN_SEEN_RESOLUTION = timedelta(minutes=1)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = ApiToken.objects.select_related("user").filter(key_hash=hash_token(token)).first()
        if found is None:
            return None
        now = timezone.now()
        if not found.is_valid_at(now):
            found.delete()  # an expired token is gone, not merely refused
            return None
        if now - found.last_used_at > TOKEN_SEEN_RESOLUTION:
            # written at most once a minute, not on every scan
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


def error(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str,
          **extra: Any) -> HttpResponse:  # fmt: skip
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    """("body", "payload", "card") -> "card": the name the client sent."""
    parts = [str(part) for part in location if part not in ("body", "payload", "query")]
    return ".".join(parts) or "body"


def idempotency_key(request: HttpRequest) -> str:
    """The request's `Idempotency-Key`, scoped to its operation ("" when none was sent)."""
    raw = request.headers.get("Idempotency-Key", "")
    if len(raw) > MAX_KEY_LENGTH:
        raise Refusal(422, "invalid", _("The Idempotency-Key is too long."))
    return scoped(method=request.method or "POST", path=request.path, key=raw) if raw else ""


def answer_once(
    *,
    user: User,
    key: str,
    write: Callable[[], tuple[int, dict[str, Any]]],
    keep_refusals: bool = False,
) -> Status[Any]:
    """Run `write` and answer with the status and body it returns; a retry with the same key
    gets the first answer back and changes nothing. A Refusal raised by `write` wrote nothing
    and is not kept, so the same key may be sent again once the request is put right; an
    answer of 300 or more is kept only with `keep_refusals` (a check-in, whose refusal is
    recorded)."""
    try:
        with transaction.atomic():
            earlier = replay(user=user, key=key) if key else None
            if earlier is not None:
                return Status(*earlier)
            status, body = write()
            if key and (status < 300 or keep_refusals):
                remember(user=user, key=key, status=status, body=body)
    except IntegrityError:
        # the same key raced itself on PostgreSQL: the winner's answer is the answer
        earlier = replay(user=user, key=key) if key else None
        if earlier is None:
            raise
        return Status(*earlier)
    return Status(status, body)


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = sorted({_field_name(e.get("loc", ())) for e in exc.errors})
        return error(
            api, request, 422, "invalid",
            _("The request is malformed; check these fields: %(fields)s.")
            % {"fields": ", ".join(fields)},
            fields=fields,
        )  # fmt: skip

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            # the only 400 django-ninja raises: a body that is not JSON
            return error(api, request, 422, "invalid", _("The request body is not valid JSON."))
        return error(api, request, exc.status_code, "error", str(exc))

    @api.exception_handler(Refusal)
    def refused(request: HttpRequest, exc: Refusal) -> HttpResponse:
        return api.create_response(request, exc.body, status=exc.status)

    @api.exception_handler(AuthenticationError)
    def unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error(
            api,
            request,
            401,
            "unauthorized",
            _("Authentication required: send a valid bearer token."),
        )


router = Router(tags=["auth"])


class Credentials(Schema):
    username: str = Field(pattern=NO_NUL)
    password: str


class TokenOut(Schema):
    token: str


@router.post("/token", response={200: TokenOut, 401: Error, 422: Error, 429: Error}, auth=None)
def token(request: HttpRequest, payload: Credentials) -> Status[dict[str, str]]:
    """Exchange a username and password for a bearer token."""
    try:
        user = authenticate_throttled(request, payload.username, payload.password)
    except Throttled:
        message = _("Too many failed attempts. Wait a quarter of an hour and try again.")
        return Status(429, {"code": "throttled", "message": message})
    if user is None:
        message = _("Wrong username or password.")
        return Status(401, {"code": "wrong_credentials", "message": message})
    return Status(200, {"token": do_issue_token(actor=user)})
