"""Development tools, not part of the app: the solver benchmark, its greedy baseline and
synthetic events, and the load test of the itinerary pages."""
