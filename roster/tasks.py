"""Thin tasks: ids in, the service does the work."""
from celery import shared_task

from . import jobs


@shared_task(name="roster.tasks.roster_import_task", acks_late=True, time_limit=30 * 60)
def roster_import_task(job_id):
    return jobs.import_job_run(job_id=job_id)


@shared_task(name="roster.tasks.expire_import_lists", acks_late=True, time_limit=600)
def expire_import_lists():
    return jobs.import_jobs_expire()
