"""Authentication backends: django-axes' lockout in front of Django's own password check."""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.proxy import AxesProxyHandler

from .ratelimit import login_address_locked


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a login while its username and address are locked out, or while its address
    has spent ROUNDS_LOGIN_ADDRESS_FAILURE_LIMIT failures across any usernames (someone
    trying many accounts from one place); both show the lockout page with 429.

    Every web login (the login page, the Django admin's) passes the request, so the lockout
    applies there. A call without a request has no address to lock against: the test client's
    `login()`, a management command or a shell. Those are waved on to the next backend instead
    of failing, since they are not reachable from the network.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        if login_address_locked(request):
            AxesProxyHandler.update_request(request)
            # Read by axes (records no failure, renders the lockout page) and the template.
            request.axes_locked_out = True
            request.rounds_address_locked = True
            raise AxesBackendPermissionDenied("Too many failed logins from this address")
        return super().authenticate(request, username=username, password=password, **kwargs)
