"""The claim on a pending preview in columns of Resource (resources/previews.py), as a media asset's is, instead
of the text it was in preview_detail ("working <ISO time> <host:pid>" or "queued <ISO time> <host:pid> <note>",
parsed back). Existing claims move to the columns; preview_detail keeps only the note."""
import datetime

from django.db import migrations, models

KINDS = ("working", "queued")


def _parsed(detail):
    """(kind, time, who, note) of a claim written in preview_detail, or None."""
    parts = (detail or "").split(" ", 3)
    if len(parts) < 2 or parts[0] not in KINDS:
        return None
    try:
        when = datetime.datetime.fromisoformat(parts[1])
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return parts[0], when, parts[2] if len(parts) > 2 else "", parts[3] if len(parts) > 3 else ""


def claims_to_columns(apps, schema_editor):
    Resource = apps.get_model("resources", "Resource")
    rows = Resource.objects.filter(models.Q(preview_detail__startswith="working ")
                                   | models.Q(preview_detail__startswith="queued "))
    for pk, detail in rows.values_list("pk", "preview_detail"):
        parsed = _parsed(detail)
        if parsed is None:
            continue
        kind, when, who, note = parsed
        if kind == "working":
            Resource.objects.filter(pk=pk).update(preview_claimed_at=when, preview_claimed_by=who[:200],
                                                  preview_attempts=1, preview_detail="")
        else:
            Resource.objects.filter(pk=pk).update(preview_queued_at=when, preview_detail=f"queued {note}".strip())


def columns_to_claims(apps, schema_editor):
    Resource = apps.get_model("resources", "Resource")
    for resource in Resource.objects.filter(preview_state="pending").only(
            "pk", "preview_detail", "preview_queued_at", "preview_claimed_at", "preview_claimed_by"):
        if resource.preview_claimed_at is not None:
            text = f"working {resource.preview_claimed_at.isoformat()} {resource.preview_claimed_by or '-'}"
        elif resource.preview_queued_at is not None:
            note = resource.preview_detail.removeprefix("queued").strip()
            text = f"queued {resource.preview_queued_at.isoformat()} - {note}".strip()
        else:
            continue
        Resource.objects.filter(pk=resource.pk).update(preview_detail=text[:2000])


class Migration(migrations.Migration):

    dependencies = [
        ("resources", "0005_review_workflow"),
    ]

    operations = [
        migrations.AddField(
            model_name="resource",
            name="preview_attempts",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="resource",
            name="preview_claimed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="resource",
            name="preview_claimed_by",
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name="resource",
            name="preview_queued_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(claims_to_columns, columns_to_claims),
    ]
