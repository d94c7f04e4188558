"""Background work of usage: importing a file uploaded in the web."""

from django_tasks import task

from .uploads import usage_upload_process


@task()
def process_usage_upload(job_id: int) -> dict:
    job = usage_upload_process(job_id=job_id)
    return {"status": job.status, "usage_import": job.usage_import_id}
