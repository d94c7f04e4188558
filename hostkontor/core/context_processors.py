from django.conf import settings

from .navigation import navigation_for


def shell(request):
    """The application shell: navigation for the signed-in user; the demo marker on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": [], "demo_mode": settings.DEMO}
    return {"nav_sections": navigation_for(user, request.path), "demo_mode": settings.DEMO}
