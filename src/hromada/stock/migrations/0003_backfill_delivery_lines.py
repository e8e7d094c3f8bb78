"""Give every delivery recorded before deliveries had lines its one line. Re-runnable: a
delivery that has its line already is left alone."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def backfill(apps: Any, schema_editor: Any) -> None:
    Delivery = apps.get_model("stock", "Delivery")
    DeliveryLine = apps.get_model("stock", "DeliveryLine")
    for delivery in Delivery.objects.filter(lines__isnull=True).iterator(chunk_size=2000):
        DeliveryLine.objects.create(
            delivery=delivery,
            commodity_id=delivery.commodity_id,
            quantity=delivery.quantity,
            node=delivery.node,
            created_at=delivery.created_at,
        )


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = [("stock", "0002_delivery_lines_losses_transfers")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
