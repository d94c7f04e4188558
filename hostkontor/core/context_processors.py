from .navigation import navigation_for


def shell(request):
    """The application shell: navigation for the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    return {"nav_sections": navigation_for(user, request.path)}
