"""Authentication backends: django-axes' lockout in front of Django's own password check."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a login while its username and address are locked out.

    Every web login (the login page, the Django admin's) passes the request, so the lockout
    applies there. A call without a request has no address to lock against: the test client's
    `login()`, a management command or a shell. Those are waved on to the next backend instead
    of failing, since they are not reachable from the network.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
