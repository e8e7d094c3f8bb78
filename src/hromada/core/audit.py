from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from hromada.core.models import AuditEvent, Site, User


def record_audit(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    fields: Iterable[str] = (),
    site: Site | None = None,
) -> AuditEvent:
    """Write the audit row of a write, inside the caller's transaction.

    Only the names of the fields are kept: the audit log must never hold a name or a
    document number, since an auditor reads it and a captured laptop would leak it.
    """
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        fields=sorted(set(fields)),
        site=site,
    )
