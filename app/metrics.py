"""Prometheus metrics of the API process (served at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "cdp_http_requests_total", "HTTP requests by route and status", ["route", "status"]
)
HTTP_LATENCY = Histogram("cdp_http_request_seconds", "HTTP request latency by route", ["route"])
INGESTION = Gauge(
    "cdp_ingestion", "Tracking pipeline counters read from Valkey at scrape time", ["counter"]
)
