"""Request-wide defences: rate limits by URL name, and the Permissions-Policy header."""

from django.conf import settings
from django.shortcuts import render

from .ratelimit import client_ip, hit, parse_rules


class RateLimitMiddleware:
    """Applies ROUNDS_RATE_LIMITS by the resolved URL name, so views need no decorator.

    A rule without a status counts the request before the view runs. A rule with a status
    (failures) counts the response after the view when its status is the rule's, and past
    the limit turns only that failed response into a 429: a request that succeeds (a valid
    personal link) is never refused by it, even from an address that spent its failures.

    The settings are read per request (cheap to parse), so tests can change them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for rule in getattr(request, "_rate_limit_failure_rules", ()):
            if response.status_code == rule.status:
                allowed, retry_after = hit(
                    scope=rule.scope, key=client_ip(request) or "unknown", rate=rule.rate
                )
                if not allowed:
                    return _too_many(request, retry_after)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or not match.view_name:
            return None
        key = client_ip(request) or "unknown"
        failure_rules = []
        for rule in parse_rules(getattr(settings, "ROUNDS_RATE_LIMITS", {})):
            if not rule.applies(view_name=match.view_name, method=request.method):
                continue
            if rule.status is not None:
                failure_rules.append(rule)
                continue
            allowed, retry_after = hit(scope=rule.scope, key=key, rate=rule.rate)
            if not allowed:
                return _too_many(request, retry_after)
        request._rate_limit_failure_rules = failure_rules
        return None


def _too_many(request, retry_after: int):
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


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
