from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hostkontor.core.client_ip import client_ip
from hostkontor.core.models import AuditEvent

from . import services
from .forms import LanguageForm, UserForm
from .throttling import password_reset_allowed

User = get_user_model()


def _safe_next(request, default: str) -> str:
    """The ``next`` target if it stays on this site, else ``default`` (no open redirect)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        """Throttled requests get the same "sent if it exists" page, but no mail goes out."""
        if password_reset_allowed(
            address=client_ip(self.request), email=form.cleaned_data["email"]
        ):
            return super().form_valid(form)
        return redirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)


@require_http_methods(["GET", "POST"])
def profile(request):
    form = LanguageForm(
        request.POST or None,
        initial={"language": getattr(getattr(request.user, "profile", None), "language", "de")},
    )
    if request.method == "POST" and form.is_valid():
        services.profile_set_language(user=request.user, language=form.cleaned_data["language"])
        response = redirect(_safe_next(request, reverse("accounts:profile")))
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax"
        )
        return response
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def set_language(request):
    """The language switch in the header: stored on the user's profile."""
    form = LanguageForm(request.POST)
    response = redirect(_safe_next(request, "/"))
    if form.is_valid():
        services.profile_set_language(user=request.user, language=form.cleaned_data["language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax"
        )
    return response


@permission_required("accounts.manage_users", raise_exception=True)
def user_list(request):
    users = User.objects.order_by("username").prefetch_related("groups").select_related("profile")
    rows = [{"user": u, "role": services.user_role(u)} for u in users]
    return render(request, "accounts/user_list.html", {"rows": rows})


@permission_required("accounts.manage_users", raise_exception=True)
@require_http_methods(["GET", "POST"])
def user_create(request):
    form = UserForm(request.POST or None, initial={"language": "de", "is_active": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.user_create(
            actor=request.user,
            username=data["username"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            role=data["role"] or None,
            language=data["language"],
            is_active=data["is_active"],
        )
        _send_password_mail(request, user)
        messages.success(
            request,
            _("User %(name)s created; a link to set the password was e-mailed.")
            % {"name": user.username},
        )
        return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form})


@permission_required("accounts.manage_users", raise_exception=True)
@require_http_methods(["GET", "POST"])
def user_edit(request, pk: int):
    user = get_object_or_404(User.objects.select_related("profile"), pk=pk)
    profile = getattr(user, "profile", None)
    initial = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": services.user_role(user) or "",
        "language": profile.language if profile else "de",
        "is_active": user.is_active,
    }
    form = UserForm(request.POST or None, instance=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user,
                user=user,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"] or None,
                language=data["language"],
                is_active=data["is_active"],
            )
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("User %(name)s saved.") % {"name": user.username})
            return redirect("accounts:user_list")
    history = AuditEvent.objects.filter(object_type="auth.user", object_id=str(user.pk))[:20]
    return render(
        request, "accounts/user_form.html", {"form": form, "edited": user, "history": history}
    )


@permission_required("accounts.manage_users", raise_exception=True)
@require_POST
def user_send_reset(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    _send_password_mail(request, user)
    messages.success(
        request, _("A password reset link was e-mailed to %(email)s.") % {"email": user.email}
    )
    return redirect("accounts:user_edit", pk=pk)


def _send_password_mail(request, user) -> None:
    services.user_send_password_link(
        actor=request.user, user=user, domain=request.get_host(), use_https=request.is_secure()
    )
