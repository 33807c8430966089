"""DRF's throttles (per user, per anonymous address), noting what they decided on the request
for the RateLimit headers (``ratelimit``).

Imported by DRF's settings while ``rest_framework.views`` itself loads: nothing here may
import that module at run time.
"""

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rest_framework import throttling
from rest_framework.request import Request

if TYPE_CHECKING:
    from rest_framework.views import APIView

ATTRIBUTE = "callbook_rate_limits"


@dataclass(frozen=True)
class Decision:
    policy: str
    quota: int
    window: int
    remaining: int
    reset: int


def decisions(request: Request) -> list[Decision]:
    found: list[Decision] = getattr(request, ATTRIBUTE, [])
    return found


class _Recording(throttling.SimpleRateThrottle):
    def allow_request(self, request: Request, view: "APIView") -> bool:
        allowed = super().allow_request(request, view)
        quota, window = self.parse_rate(self.rate)
        if quota is not None and window is not None and self.key is not None:
            history = self.history
            reset = math.ceil(history[-1] + window - self.now) if history else window
            found = decisions(request)
            found.append(
                Decision(
                    policy=self.scope or "api",
                    quota=quota,
                    window=window,
                    remaining=max(0, quota - len(history)) if allowed else 0,
                    reset=max(0, reset),
                )
            )
            setattr(request, ATTRIBUTE, found)
        return allowed

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        self.key: str | None = super().get_cache_key(request, view)
        return self.key


class UserRateThrottle(_Recording, throttling.UserRateThrottle):
    """DRF's per-user throttle, noting its decision for the RateLimit headers."""


class AnonRateThrottle(_Recording, throttling.AnonRateThrottle):
    """DRF's per-address throttle for anonymous requests, noting its decision."""
