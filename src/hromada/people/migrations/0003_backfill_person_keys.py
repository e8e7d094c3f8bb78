"""Give every person already registered the search and duplicate keys of lib.matching.

Re-runnable: a person's keys are deleted and written again. If the key scheme changes later,
`hromada reindex_people` rewrites them the same way."""

from django.db import migrations


def backfill(apps, schema_editor):
    from hromada.lib import matching
    from hromada.lib.names import name_keys

    Person = apps.get_model("people", "Person")
    PersonKey = apps.get_model("people", "PersonKey")
    Document = apps.get_model("people", "Document")
    people = Person.objects.exclude(status="merged").order_by("pk")
    for person in people.iterator(chunk_size=2000):
        born = person.birth_date
        record = matching.Record(
            id=str(person.pk),
            family=person.family_name,
            given=person.given_name,
            patronymic=person.patronymic,
            sex=person.sex,
            birth_year=born.year,
            birth_month=born.month if person.birth_precision != "year" else None,
            birth_day=born.day if person.birth_precision == "day" else None,
            phone=person.phone,
            documents=tuple(Document.objects.filter(person=person).values_list("number", flat=True)),
            household=str(person.household_id),
        )
        # as people.matching.stored_keys at the time of this migration
        keys = matching.index_keys(record) | {f"s:{k}" for k in name_keys(person.family_name)}
        PersonKey.objects.filter(person=person).delete()
        PersonKey.objects.bulk_create(
            PersonKey(person=person, key=key) for key in sorted(keys)
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0002_registry_details")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
