"""The dashboard's errors (from the one tree in lynk.core.errors)."""

from __future__ import annotations

from lynk.core.errors import AuthenticationError, InvalidRequestError, PermissionDenied


class SignInFailed(AuthenticationError):
    default_code = "sign_in_failed"
    keep_changes = True  # the failure is counted towards a lockout and recorded in the audit log

    def __init__(self) -> None:
        super().__init__("That email and password don't match a user.")


class SecondFactorFailed(AuthenticationError):
    default_code = "second_factor_failed"
    keep_changes = True  # the failure is recorded in the audit log

    def __init__(self) -> None:
        super().__init__("That code is not right. Enter the current code from your app, or a recovery code.")


class LockedOut(AuthenticationError):
    default_code = "locked_out"

    def __init__(self) -> None:
        super().__init__("Too many failed sign-ins. Try again in 15 minutes.")


class SessionEnded(AuthenticationError):
    default_code = "session_ended"

    def __init__(self) -> None:
        super().__init__("Your session has ended. Sign in again.")


class LinkNotValid(InvalidRequestError):
    http_status = 404
    default_code = "sign_in_link_invalid"

    def __init__(self) -> None:
        super().__init__("This sign-in link is not valid: it was used already or has expired.")


class NotAllowed(PermissionDenied):
    default_code = "role_not_allowed"

    def __init__(self) -> None:
        super().__init__("Your role does not allow this. Ask an administrator of the account.")
