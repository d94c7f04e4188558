from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from .navigation import navigation_for


@require_GET
def home(request):
    """Start page: the first section the user may open."""
    sections = navigation_for(request.user)
    if sections:
        return redirect(sections[0]["items"][0]["url"])
    return redirect("accounts:profile")


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
