"""Prometheus metrics of one app: request latency, assessments by channel, jobs."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class Metrics:
    """The app's own registry (several apps in one process, as in tests, do not collide)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "icrms_http_request_duration_seconds",
            "HTTP request latency by method, route and status",
            ["method", "route", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.assessments = Counter(
            "icrms_assessments_total",
            "Live assessments by channel",
            ["channel"],
            registry=self.registry,
        )
        self.jobs = Counter(
            "icrms_jobs_total",
            "Jobs finished by kind and status",
            ["kind", "status"],
            registry=self.registry,
        )
        self.jobs_running = Gauge("icrms_jobs_running", "Jobs running now", registry=self.registry)
        self.snapshot_builds = Counter(
            "icrms_snapshot_builds_total", "Selectivity snapshots compiled", registry=self.registry
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one request."""
        self.latency.labels(method, route, str(status)).observe(seconds)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
