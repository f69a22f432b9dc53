"""Request-wide defences: rate limits by URL name, and the Permissions-Policy header."""

from django.conf import settings
from django.shortcuts import render

from .ratelimit import client_ip, hit, parse_rules


class RateLimitMiddleware:
    """Applies ROUNDS_RATE_LIMITS by the resolved URL name, so views need no decorator.

    The settings are read per request (cheap to parse), so tests can change them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or not match.view_name:
            return None
        for rule in parse_rules(getattr(settings, "ROUNDS_RATE_LIMITS", {})):
            if not rule.applies(view_name=match.view_name, method=request.method):
                continue
            allowed, retry_after = hit(
                scope=rule.pattern, key=client_ip(request) or "unknown", rate=rule.rate
            )
            if not allowed:
                response = render(request, "429.html", {"retry_after": retry_after}, status=429)
                response["Retry-After"] = str(retry_after)
                return response
        return None


class PermissionsPolicyMiddleware:
    """Turns off browser features Rounds never uses (camera, microphone, location...)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response
