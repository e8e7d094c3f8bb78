"""Collections made before stock could run short gave the whole entitlement; the dashboard's
day tallies are summed from the collections already made. Re-runnable: the tallies are
written again from scratch."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import F

from hromada.lib.periods import kyiv_day


def backfill(apps: Any, schema_editor: Any) -> None:
    Collection = apps.get_model("distribution", "Collection")
    Collection.objects.filter(entitled=0).update(entitled=F("quantity"))
    DayTally = apps.get_model("distribution", "DayTally")
    DayTally.objects.all().delete()
    sums: dict[tuple[Any, Any, Any], list[int]] = {}
    rows = Collection.objects.filter(reversed_at__isnull=True).values_list(
        "session__site_id", "programme_id", "at", "members", "quantity"
    )
    for site, programme, at, members, quantity in rows.iterator(chunk_size=5000):
        line = sums.setdefault((site, programme, kyiv_day(at)), [0, 0, 0])
        line[0] += 1
        line[1] += members
        line[2] += quantity
    DayTally.objects.bulk_create(
        DayTally(site_id=site, programme_id=programme, day=day, households=h, people=p, units=u)
        for (site, programme, day), (h, p, u) in sums.items()
    )


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = [
        ("distribution", "0003_programme_rules_pauses_slots_paper")
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
