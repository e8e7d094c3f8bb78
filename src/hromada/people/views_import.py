"""Importing a list from a spreadsheet: upload, map the columns, preview every row's
problems and the possible duplicates, then import the valid rows or nothing."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hromada.core.forms import SiteChoiceForm
from hromada.core.models import Site, User
from hromada.core.permissions import role_required
from hromada.people.actions import (
    RegistryError,
    do_discard_import,
    do_import_rows,
    do_map_import,
    do_upload_import,
)
from hromada.people.imports import (
    FIELDS,
    MAX_BYTES,
    Plan,
    Sheet,
    UnreadableFile,
    guess_mapping,
    mapping_problems,
    plan,
    read_sheet,
    sample,
)
from hromada.people.models import RegistryImport

REGISTRY = ("coordinator", "registrar")
# Problems kept for the result page, once the file itself is gone.
RESULT_PROBLEMS = 2000


class UploadForm(SiteChoiceForm):
    file = forms.FileField(
        label=gettext_lazy("list of people"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or Windows-1251, separated by , or ;) or XLSX, such as a KoboToolbox "
            "export; the first row names the columns"
        ),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB. Split the list into several files.")
                % {"mb": MAX_BYTES // (1024 * 1024)}
            )
        self.content = upload.read()
        try:
            read_sheet(upload.name or "", self.content)
        except UnreadableFile as error:
            raise forms.ValidationError(str(error)) from None
        return upload


class MappingForm(forms.Form):
    """One choice per field of the registry: the column of the file it comes from."""

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((header, header) for header in headers)]
        for fld in FIELDS:
            self.fields[fld.name] = forms.ChoiceField(
                label=str(fld.label), choices=choices, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mapping = self.mapping()
        used: dict[str, str] = {}
        for name, column in mapping.items():
            if column in used:
                self.add_error(
                    name,
                    _("The column “%(column)s” is already chosen for another field.")
                    % {"column": column},
                )
            used[column] = name
        for problem in mapping_problems(mapping):
            self.add_error(None, problem)
        return data

    def mapping(self) -> dict[str, str]:
        return {
            fld.name: self.cleaned_data[fld.name]
            for fld in FIELDS
            if self.cleaned_data.get(fld.name)
        }


def _get_import_for_user(user: User, pk: uuid.UUID) -> RegistryImport:
    """An import of one of the user's sites; another site's is a 404."""
    found = (
        RegistryImport.objects.filter(pk=pk, site__in=user.visible_sites())
        .select_related("site", "uploaded_by")
        .first()
    )
    if found is None:
        raise Http404
    return found


def _sheet(registry_import: RegistryImport) -> Sheet:
    # the file was read when it was uploaded: it stays readable
    return read_sheet(registry_import.filename, bytes(registry_import.content))


def _plan(user: User, registry_import: RegistryImport) -> Plan:
    return plan(_sheet(registry_import), registry_import.mapping, user=user)


def _open_imports(user: User, sites: QuerySet[Site]) -> QuerySet[RegistryImport]:
    return RegistryImport.objects.filter(
        site__in=sites, status=RegistryImport.Status.UPLOADED
    ).select_related("site", "uploaded_by")


@role_required(*REGISTRY)
def import_upload(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    sites = user.visible_sites()
    form = UploadForm(request.POST or None, request.FILES or None, sites=sites)
    if request.method == "POST" and form.is_valid():
        upload: UploadedFile = form.cleaned_data["file"]
        registry_import = do_upload_import(
            actor=user,
            site=form.cleaned_data["site"],
            filename=upload.name or "",
            content=form.content,
        )
        return redirect("people:import_map", pk=registry_import.pk)
    return render(
        request,
        "people/import_upload.html",
        {"form": form, "open_imports": _open_imports(user, sites)[:20]},
    )


@role_required(*REGISTRY)
def import_map(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    registry_import = _get_import_for_user(user, pk)
    if registry_import.status != RegistryImport.Status.UPLOADED:
        return redirect("people:import_preview", pk=registry_import.pk)
    sheet = _sheet(registry_import)
    initial = registry_import.mapping or guess_mapping(sheet.headers)
    form = MappingForm(request.POST or None, headers=sheet.headers, initial=initial)
    if request.method == "POST" and form.is_valid():
        do_map_import(actor=user, registry_import=registry_import, mapping=form.mapping())
        return redirect("people:import_preview", pk=registry_import.pk)
    return render(
        request,
        "people/import_map.html",
        {
            "registry_import": registry_import,
            "form": form,
            "headers": sheet.headers,
            "sample": sample(sheet),
            "rows": len(sheet.rows),
        },
    )


def _session_key(registry_import: RegistryImport) -> str:
    return f"hromada_import_{registry_import.pk}"


@role_required(*REGISTRY)
def import_preview(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Every row's problems and the possible duplicates, before anything is written; once
    the list is imported or discarded, what became of it."""
    user = cast(User, request.user)
    registry_import = _get_import_for_user(user, pk)
    if registry_import.status != RegistryImport.Status.UPLOADED:
        result = request.session.get(_session_key(registry_import), {})
        return render(
            request,
            "people/import_result.html",
            {
                "registry_import": registry_import,
                "households": result.get("households"),
                "problems": result.get("problems", []),
            },
        )
    if not registry_import.mapping:
        return redirect("people:import_map", pk=registry_import.pk)
    the_plan = _plan(user, registry_import)
    return render(
        request,
        "people/import_preview.html",
        {"registry_import": registry_import, "plan": the_plan},
    )


@require_POST
@role_required(*REGISTRY)
def import_run(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Import the rows without problems, whole households at a time, all in one transaction.
    The preview is computed again: if it no longer says what the registrar confirmed (the
    registry changed meanwhile), nothing is imported and the preview is shown again."""
    user = cast(User, request.user)
    registry_import = _get_import_for_user(user, pk)
    if registry_import.status != RegistryImport.Status.UPLOADED or not registry_import.mapping:
        return redirect("people:import_preview", pk=registry_import.pk)
    the_plan = _plan(user, registry_import)
    if request.POST.get("rows") != str(the_plan.valid_rows):
        messages.error(request, _("The registry changed since the preview. Check the list again."))
        return redirect("people:import_preview", pk=registry_import.pk)
    if not the_plan.households:
        messages.error(request, _("No row of this list can be imported."))
        return redirect("people:import_preview", pk=registry_import.pk)
    try:
        created = do_import_rows(
            actor=user,
            registry_import=registry_import,
            households=the_plan.households,
            duplicates=the_plan.duplicates(),
        )
    except RegistryError as error:  # ImportFailed among them: the message names the row
        messages.error(request, str(error))
        return redirect("people:import_preview", pk=registry_import.pk)
    # what was left out is shown on the result page: row, column, reason; never a value
    request.session[_session_key(registry_import)] = {
        "households": len(created),
        "problems": [[p.row, p.column, p.reason] for p in the_plan.problems[:RESULT_PROBLEMS]],
    }
    return redirect("people:import_preview", pk=registry_import.pk)


@require_POST
@role_required(*REGISTRY)
def import_discard(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    user = cast(User, request.user)
    registry_import = _get_import_for_user(user, pk)
    try:
        do_discard_import(actor=user, registry_import=registry_import)
    except RegistryError as error:
        messages.error(request, str(error))
    return redirect("people:import_preview", pk=registry_import.pk)
