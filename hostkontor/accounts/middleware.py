from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django.urls import resolve
from django.utils import translation

from .models import Profile

# Views reachable without login: the login itself, password reset, the health check, static.
PUBLIC_URL_NAMES = {
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "core:healthz",
}


class LoginRequiredMiddleware:
    """Login required everywhere, except the handful of public views above."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            try:
                match = resolve(request.path_info)
                name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
            except Exception:
                name = None
            if name not in PUBLIC_URL_NAMES:
                if request.headers.get("HX-Request"):
                    from django.http import HttpResponse

                    response = HttpResponse(status=401)
                    response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
                    return response
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class UserLanguageMiddleware:
    """German unless chosen otherwise: a signed-in user's profile language, before login the
    language cookie. The browser's Accept-Language is ignored on purpose: the office decides."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = settings.LANGUAGE_CODE
        user = request.user
        if user.is_authenticated:
            profile = Profile.objects.filter(user=user).only("language").first()
            if profile:
                language = profile.language
        else:
            cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            if cookie in dict(settings.LANGUAGES):
                language = cookie
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
