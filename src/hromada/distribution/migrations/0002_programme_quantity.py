from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    """A programme counts per person or per household now: its quantity is no longer always
    per person."""

    dependencies: list[tuple[str, str]] = [("distribution", "0001_initial")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.RemoveConstraint(model_name="programme", name="programme_quantity_positive"),
        migrations.RenameField(
            model_name="programme", old_name="quantity_per_person", new_name="quantity"
        ),
    ]
