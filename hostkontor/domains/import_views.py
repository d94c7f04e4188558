"""The registrar import pages: upload (stored, then reconciled by the worker), its
progress, the reconciliation with its row actions, and the stored file (audited)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hostkontor.core.client_ip import client_ip
from hostkontor.core.errors import FieldErrors
from hostkontor.vault.crypto import VaultError

from . import reconciliation, selectors, uploads
from .forms import FindingActionForm, ImportForm
from .models import RegistrarImport, RegistrarUpload
from .tasks import process_registrar_upload

MAX_UPLOAD = 50 * 1024 * 1024


@permission_required("domains.view_registrarimport", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_list(request):
    """The uploaded file is only stored here (encrypted, in chunks); the worker reconciles
    it and the upload page follows its progress."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not request.user.has_perm("domains.import_registrar"):
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD:
                form.add_error("file", _("The file is larger than 50 MB."))
            else:
                try:
                    job = uploads.registrar_upload_create(
                        actor=request.user,
                        upload=upload,
                        registrar=form.cleaned_data["registrar"],
                        format=form.cleaned_data["format"] or None,
                        mapping=form.cleaned_data["mapping"],
                        apply=form.cleaned_data["apply"] or None,
                        allow_empty=form.cleaned_data["allow_empty"],
                    )
                except VaultError as error:
                    form.add_error(None, str(error))
                else:
                    process_registrar_upload.enqueue(job.pk)
                    return redirect("domains:upload_detail", pk=job.pk)
    page = selectors.import_page(request.GET.get("page", 1), request.GET.get("registrar", ""))
    return render(
        request,
        "domains/imports.html",
        {
            "form": form,
            "page": page,
            "kinds": reconciliation.KINDS,
            "uploads": selectors.open_uploads()
            if request.user.has_perm("domains.import_registrar")
            else [],
        },
    )


@permission_required("domains.import_registrar", raise_exception=True)
def upload_detail(request, pk: int):
    """Progress of an upload; once reconciled, the import's page (htmx: by HX-Redirect to
    this page, which then redirects)."""
    job = get_object_or_404(RegistrarUpload, pk=pk)
    if job.status == RegistrarUpload.Status.DONE and job.registrar_import_id:
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("domains:upload_detail", args=[job.pk])
            return response
        messages.success(
            request, _("%(count)d records imported and compared.") % {"count": job.records}
        )
        return redirect("domains:import_detail", pk=job.registrar_import_id)
    template = (
        "domains/_upload_progress.html"
        if request.headers.get("HX-Request")
        else "domains/upload_detail.html"
    )
    return render(request, template, {"job": job})


@permission_required("domains.view_registrarimport", raise_exception=True)
def import_detail(request, pk: int):
    try:
        detail = selectors.import_detail(pk)
    except RegistrarImport.DoesNotExist:
        raise Http404(_("No such import.")) from None
    return render(
        request,
        "domains/import_detail.html",
        {"detail": detail, "imp": detail.imp, "today": timezone.localdate()},
    )


@permission_required("domains.change_registrarimport", raise_exception=True)
@require_POST
def import_action(request, pk: int):
    imp = get_object_or_404(RegistrarImport.objects.only("pk"), pk=pk)
    form = FindingActionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
        )
        return redirect("domains:import_detail", pk=pk)
    d = form.cleaned_data
    try:
        reconciliation.reconciliation_action(
            actor=request.user,
            registrar_import=imp,
            kind=d["kind"],
            domain=d["domain"],
            action=d["action"],
            customer=d["customer"],
            on=d["on"],
        )
    except FieldErrors as error:
        messages.error(request, f"{d['domain']}: " + "; ".join(error.errors.values()))
    else:
        messages.success(request, _("%(domain)s: done.") % {"domain": d["domain"]})
    return redirect(reverse("domains:import_detail", args=[pk]) + f"#{d['kind']}")


@permission_required("domains.import_registrar", raise_exception=True)
def import_file(request, pk: int):
    """The stored file may hold auth codes: only for who may import, and audited."""
    imp = get_object_or_404(RegistrarImport, pk=pk)
    data = uploads.registrar_import_file_download(
        actor=request.user, registrar_import=imp, ip_address=client_ip(request)
    )
    response = HttpResponse(data, content_type="application/octet-stream")
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in imp.filename.rsplit("/", 1)[-1])
    response["Content-Disposition"] = f'attachment; filename="{name or "import"}"'
    return response


@permission_required("domains.view_registrarimport", raise_exception=True)
def import_json(request, pk: int):
    imp = get_object_or_404(RegistrarImport.objects.defer("data"), pk=pk)
    return JsonResponse(imp.result, json_dumps_params={"ensure_ascii": False, "indent": 2})
