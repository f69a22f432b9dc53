"""Locust users for `make loadtest --think` (benchmarks/loadtest.py starts Locust with this file):
clinicians opening their itinerary links, now and then their calendar, and someone opening the
login page, the plain page the itinerary is measured against."""

import os
import random
from pathlib import Path

from locust import HttpUser, between, task

TOKENS = Path(os.environ["ROUNDS_LOADTEST_TOKENS"]).read_text().split()


# Seconds a clinician reads before the next request: "MIN,MAX" (make loadtest --think).
THINK = [float(part) for part in os.environ.get("ROUNDS_LOADTEST_THINK", "0.5,1.5").split(",")]


class Clinician(HttpUser):
    wait_time = between(*THINK)

    @task(9)
    def itinerary(self):
        self.client.get(f"/i/{random.choice(TOKENS)}/", name="/i/[token]/")

    @task(1)
    def calendar(self):
        self.client.get(f"/i/{random.choice(TOKENS)}/calendar.ics", name="/i/[token]/calendar.ics")

    @task(9)
    def login_page(self):
        self.client.get("/login/", name="/login/")
