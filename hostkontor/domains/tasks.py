"""Background work of domains: reconciling a registrar list uploaded in the web."""

from django_tasks import task

from .uploads import registrar_upload_process


@task()
def process_registrar_upload(job_id: int) -> dict:
    job = registrar_upload_process(job_id=job_id)
    return {"status": job.status, "registrar_import": job.registrar_import_id}
