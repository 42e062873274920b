"""Plain ASGI middleware: security headers, body size limit, request metrics."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from icrms.api.metrics import Metrics

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"strict-transport-security", b"max-age=31536000"),
]
NO_STORE = (b"cache-control", b"no-store")


class TooLarge(Exception):
    """The body is over the limit."""


def _problem(status: int, detail: str, path: str) -> bytes:
    title = {413: "Content Too Large"}.get(status, "Error")
    return json.dumps(
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": path,
        }
    ).encode()


class ServiceMiddleware:
    """Adds the security headers, refuses bodies over the limit, and times every request."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body: int, max_upload: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"")
        limit = self.max_upload if content_type.startswith(b"multipart/") else self.max_body
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, path, limit)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise TooLarge
            return message

        status = 500
        is_static = path.startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra: list[Any] = list(HEADERS)
                if not is_static:
                    extra.append(NO_STORE)
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, limited_receive, send_with_headers)
        except TooLarge:
            await self._refuse(send, path, limit)
            status = 413
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or ("/static" if is_static else "unmatched")
            self.metrics.observe(scope["method"], template, status, time.perf_counter() - started)

    async def _refuse(self, send: Send, path: str, limit: int) -> None:
        body = _problem(413, f"request body is larger than {limit} bytes", path)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    *HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
