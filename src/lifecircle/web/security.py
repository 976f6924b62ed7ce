"""Security plumbing of the web platform: signed cookies, CSRF tokens, API tokens, the login
rate limit and the response headers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, Signer, URLSafeTimedSerializer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "lc_session"
FLASH_COOKIE = "lc_flash"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class Keys:
    """Everything signed with the installation secret."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()
        self._cookie = Signer(secret, salt="lifecircle.session-cookie")
        self._flash = URLSafeTimedSerializer(secret, salt="lifecircle.flash")
        self._token = URLSafeTimedSerializer(secret, salt="lifecircle.api-token")

    # session cookie: a random token, signed so a forged value is refused without a lookup
    def new_cookie_token(self) -> str:
        return secrets.token_urlsafe(32)

    def sign_cookie(self, token: str) -> str:
        return self._cookie.sign(token).decode()

    def read_cookie(self, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return self._cookie.unsign(value).decode()
        except BadSignature:
            return None

    def csrf_for(self, token: str) -> str:
        """The form token bound to one cookie token (a new cookie at sign-in, a new token)."""
        return hmac.new(self._secret, b"csrf|" + token.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, token: str | None, submitted: str | None) -> bool:
        if not token or not submitted:
            return False
        return hmac.compare_digest(self.csrf_for(token), submitted)

    # flash message for the next page (after a redirect)
    def sign_flash(self, kind: str, text: str) -> str:
        return self._flash.dumps([kind, text])

    def read_flash(self, value: str | None) -> tuple[str, str] | None:
        if not value:
            return None
        try:
            kind, text = self._flash.loads(value, max_age=120)
        except (BadSignature, ValueError):
            return None
        return str(kind), str(text)

    # API bearer tokens
    def issue_token(self, user_id: int, fingerprint: str) -> str:
        return self._token.dumps({"u": user_id, "f": fingerprint})

    def read_token(self, token: str, max_age_s: int) -> tuple[int, str] | str:
        """``(user_id, fingerprint)``, or the Chinese reason the token is refused."""
        try:
            data: Any = self._token.loads(token, max_age=max_age_s)
        except SignatureExpired:
            return "令牌已过期，请重新获取（POST /api/v1/auth/token）"
        except BadSignature:
            return "令牌无效"
        if not isinstance(data, dict) or not isinstance(data.get("u"), int):
            return "令牌无效"
        return data["u"], str(data.get("f", ""))


class LoginLimiter:
    """At most ``attempts`` failed sign-ins per key (IP address, user name) in ``window_s``
    seconds; kept in this process's memory."""

    def __init__(
        self, attempts: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def retry_after(self, keys: list[str]) -> int | None:
        """Seconds to wait when any key is over the limit, else None."""
        now = self._clock()
        with self._lock:
            waits = []
            for k in keys:
                q = self._recent(k, now)
                if len(q) >= self.attempts:
                    waits.append(q[0] + self.window_s - now)
            return max(1, int(max(waits)) + 1) if waits else None

    def failed(self, keys: list[str]) -> None:
        now = self._clock()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)
            if len(self._failures) > 10_000:  # forget quiet keys
                for k in [k for k, q in self._failures.items() if not q]:
                    del self._failures[k]

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


STATIC_CACHE = b"public, max-age=3600"
STATIC_VENDOR_CACHE = b"public, max-age=86400"


class SecurityHeaders:
    """ASGI middleware adding CSP, nosniff, frame and referrer headers to every response,
    ``Cache-Control: no-store`` to pages and answers and a lifetime to static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        # static files: kept by browsers a while (revalidated by ETag after), so a page view
        # costs one request, not ten; the vendored libraries change only with an upgrade
        cache = STATIC_VENDOR_CACHE if path.startswith("/static/vendor/") else STATIC_CACHE
        if not path.startswith("/static/"):
            cache = b"no-store"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in present]
                if b"cache-control" not in present:
                    headers.append((b"cache-control", cache))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
