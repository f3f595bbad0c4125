"""The error a failed SSO login carries: a short code for the redirect and a reason for the log."""

from __future__ import annotations


class SSOLoginError(Exception):
    """A refused login. `code` goes to the browser (e.g. saml_replayed); `reason` to the log."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
