"""Imports from the browser as jobs (models.ImportJob): the upload is stored, its rows are checked into a preview,
and on "apply" checked again and written, in one transaction. A district's list goes to a Celery worker and the page
follows its progress (`import_job_payload`); a school's small list is done within the request by the same code."""
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core import media_storage

from . import tasks
from .exceptions import RosterFileError
from .models import PREVIEW_KEPT, STALLED_AFTER, ImportJob
from .reading import read_rows, row_count_estimate
from .services import RosterInvalid, people_import

logger = logging.getLogger(__name__)

INLINE_BYTES = 256 * 1024  # about 3,000 rows: checked within the request (well under a second)
PREVIEW_ROWS = 50
PROGRESS_EVERY = 1000
FIELD_LABELS = {"full_name": "姓名", "phone": "手机号", "role": "角色", "teaching_stage": "学段",
                "teaching_subjects": "学科", "school": "学校"}


def import_job_start(*, by, school, upload, create_schools, language) -> ImportJob:
    """Store the uploaded list and check it (the preview): now when it is small, else on a worker."""
    data = upload.read()
    job = ImportJob(by=by, school=school, file_name=upload.name[:255], create_schools=create_schools,
                    language=language or "zh-hans", rows_total=row_count_estimate(data, upload.name))
    job.file.save("list.bin", ContentFile(data), save=False)
    job.save()
    _run(job, size=len(data))
    return job


def import_job_apply(*, job) -> ImportJob:
    """The previewed list, applied: checked again against what the site holds now, then written."""
    updated = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.CHECKED).update(
        state=ImportJob.State.APPLYING, rows_done=0, writing=False, started_at=None, updated_at=timezone.now())
    if updated:
        job.refresh_from_db()
        _run(job, size=job.file.size if job.file else 0)
    return job


def _run(job, *, size):
    if size <= INLINE_BYTES:
        import_job_run(job_id=job.pk)
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda pk=job.pk: tasks.roster_import_task.delay(pk))


def import_job_run(*, job_id) -> str:
    """Do the job's stage: check (the preview) or apply. A job that is no longer running is left as it is (a task
    delivered twice); a worker that dies mid-way leaves nothing half-written (one transaction)."""
    job = ImportJob.objects.select_related("school").get(pk=job_id)
    if job.state not in ImportJob.RUNNING:
        return job.state
    applying = job.state == ImportJob.State.APPLYING
    ImportJob.objects.filter(pk=job.pk).update(rows_done=0, writing=False, started_at=timezone.now(),
                                               updated_at=timezone.now())

    def progress(count):
        ImportJob.objects.filter(pk=job.pk).update(rows_done=count, updated_at=timezone.now())

    def writing(plan):
        ImportJob.objects.filter(pk=job.pk).update(rows_done=plan.rows, rows_total=plan.rows, writing=True,
                                                   updated_at=timezone.now())

    with translation.override(job.language):
        try:
            with job.file.open("rb") as stored:
                data = stored.read()
            plan = people_import(rows=read_rows(data, job.file_name), only_school=job.school,
                                 create_schools=job.create_schools, dry_run=not applying, progress=progress,
                                 progress_every=PROGRESS_EVERY, before_apply=writing)
        except RosterFileError as error:
            return _finish(job, ImportJob.State.FAILED, error=str(error))
        except RosterInvalid as invalid:
            return _finish(job, ImportJob.State.INVALID, result=_errors(invalid.plan))
        if applying:
            logger.info("roster import %s by %s: %s", job.uid, job.by_id, plan.summary())
            return _finish(job, ImportJob.State.DONE, result={"summary": plan.summary()})
        return _finish(job, ImportJob.State.CHECKED, result=_preview(plan), keep_file=bool(plan.changes))


def _finish(job, state, *, result=None, error="", keep_file=False):
    fields = {"state": state, "error": error, "writing": False, "updated_at": timezone.now()}
    if result is not None:
        fields["result"] = result
        fields["rows_done"] = fields["rows_total"] = result.get("summary", {}).get("rows", 0)
    if not keep_file and job.file:
        media_storage.delete_file(media_storage.private_media, job.file.name)
        fields["file"] = ""
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    return state


def import_jobs_expire() -> int:
    """Give up previews not applied within PREVIEW_KEPT, and jobs whose worker died, deleting their stored lists
    (the people's phones are in them). Returns how many."""
    now = timezone.now()
    expired = 0
    for job in ImportJob.objects.filter(state=ImportJob.State.CHECKED, updated_at__lt=now - PREVIEW_KEPT):
        _finish(job, ImportJob.State.EXPIRED)
        expired += 1
    for job in ImportJob.objects.filter(state__in=ImportJob.RUNNING, started_at__isnull=False,
                                        updated_at__lt=now - STALLED_AFTER):
        with translation.override(job.language):
            _finish(job, ImportJob.State.FAILED, error=import_job_payload(job=job)["label"])
        expired += 1
    return expired


def _errors(plan) -> dict:
    return {"summary": plan.summary(), "errors": [[line, str(message)] for line, message in plan.errors]}


def _preview(plan) -> dict:
    roles = dict(User.Role.choices)

    def shown(name, value):
        return str(roles.get(value, value)) if name == "role" else value

    return {
        "summary": plan.summary(), "changes": plan.changes,
        "new_people": [{"name": v["full_name"], "username": v["username"], "phone": v["phone"] or ""}
                       for v in plan.new_users[:PREVIEW_ROWS]],
        "changed_people": [[key, [[FIELD_LABELS.get(name, name), shown(name, value)] for name, value in changed.items()]]
                           for _pk, changed, key in plan.changed_users[:PREVIEW_ROWS]],
    }


def import_job_payload(*, job) -> dict:
    """What the page shows while the job runs (GET …/status.json)."""
    total = job.rows_total or 0
    percent = 100 if job.state not in ImportJob.RUNNING else (
        min(99, round(100 * job.rows_done / total)) if total else 0)
    if job.stalled:
        label = _("The import stopped before it finished (the server restarted). Nothing half-written was kept: "
                  "upload the file again to see what is left to change.")
    elif job.queued:
        label = _("Waiting for the server: it is finishing other work (a video, say). The import starts on its own.")
    elif job.writing:
        label = (_("All %(total)s rows are good; writing the changes now, all of them at once or none…")
                 % {"total": total})
    elif job.state in ImportJob.RUNNING:
        label = (_("Checked %(done)s of about %(total)s rows…") % {"done": job.rows_done, "total": total} if total
                 else _("Checked %(done)s rows…") % {"done": job.rows_done})
    else:
        label = str(job.get_state_display())
    return {"state": job.state, "running": job.running, "stalled": job.stalled, "queued": job.queued,
            "writing": job.writing,
            "rows_done": job.rows_done, "rows_total": total, "percent": percent, "label": label}
