"""Users, logins with throttling, browser sessions and API tokens; every change is audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from icrms.audit import service as audit
from icrms.auth import tokens
from icrms.auth.passwords import hash_password, verify_password
from icrms.auth.schemas import (
    Principal,
    Role,
    TokenCreate,
    TokenIssued,
    TokenRead,
    UserCreate,
    UserRead,
)
from icrms.auth.tables import ApiTokenRow, LoginAttemptRow, SessionRow, UserRow
from icrms.core.clock import now
from icrms.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    TooManyRequestsError,
    ValidationError,
)

SESSION_IDLE = timedelta(hours=8)
SESSION_MAX = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_CLIENT = 20


def create_user(session: Session, *, user: UserCreate, actor: str) -> UserRead:
    """Create a user with an argon2id password hash."""
    if session.scalar(select(UserRow).where(UserRow.username == user.username)) is not None:
        raise ConflictError(f"user {user.username} already exists")
    row = UserRow(
        username=user.username,
        full_name=user.full_name,
        role=user.role.value,
        office_code=user.office_code,
        password_hash=hash_password(user.password),
        active=True,
        created_at=now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        object=f"user:{user.username}",
        detail={"role": user.role.value, "office_code": user.office_code},
    )
    return _user(row)


def list_users(session: Session) -> list[UserRead]:
    """Every user by name."""
    return [_user(r) for r in session.scalars(select(UserRow).order_by(UserRow.username))]


def get_user(session: Session, *, username: str) -> UserRead:
    """A user by name."""
    return _user(_user_row(session, username))


def set_password(session: Session, *, username: str, password: str, actor: str) -> UserRead:
    """Replace a user's password and end their sessions."""
    if len(password) < 12:
        raise ValidationError("password", "***", "must be at least 12 characters")
    row = _user_row(session, username)
    row.password_hash = hash_password(password)
    _end_sessions(session, row.id)
    audit.record(session, actor=actor, action="user.password", object=f"user:{username}")
    return _user(row)


def set_active(session: Session, *, username: str, active: bool, actor: str) -> UserRead:
    """Enable or disable a user; disabling ends their sessions."""
    row = _user_row(session, username)
    row.active = active
    if not active:
        _end_sessions(session, row.id)
    action = "user.enable" if active else "user.disable"
    audit.record(session, actor=actor, action=action, object=f"user:{username}")
    return _user(row)


@dataclass(frozen=True)
class LoginOutcome:
    """A login's result: the principal and the cookie's session id, or why it was refused."""

    principal: Principal | None = None
    session_id: str | None = None
    refused: str | None = None
    retry_after: int = 0

    def raise_if_refused(self) -> tuple[Principal, str]:
        """(principal, session id), or the error to answer (after the caller has committed)."""
        if self.refused == "throttled":
            raise TooManyRequestsError(
                "too many failed logins; wait and try again", self.retry_after
            )
        if self.principal is None or self.session_id is None:
            raise AuthenticationError("wrong user name or password")
        return self.principal, self.session_id


def login(session: Session, *, username: str, password: str, client: str) -> LoginOutcome:
    """Check a password and open a browser session.

    Failures are recorded (audit trail and throttle counter) and returned rather than raised,
    so that the caller commits them; the message never says whether the user exists. Failures
    are throttled per user name and per client address.
    """
    moment = now()
    username, client = username[:64], client[:64]
    if _throttled(session, username, client, moment):
        audit.record(
            session,
            actor=username or "-",
            action="auth.login_throttled",
            object=f"user:{username}",
            detail={"client": client},
        )
        return LoginOutcome(refused="throttled", retry_after=int(THROTTLE_WINDOW.total_seconds()))
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    ok, upgraded = verify_password(password, row.password_hash if row else None)
    if row is None or not ok or not row.active:
        session.add(LoginAttemptRow(username=username, client=client, at=moment))
        audit.record(
            session,
            actor=username or "-",
            action="auth.login_failed",
            object=f"user:{username}",
            detail={"client": client},
        )
        return LoginOutcome(refused="wrong")
    if upgraded:
        row.password_hash = upgraded
    session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.username == username))
    session_id = tokens.new_session_id()
    web = SessionRow(
        digest=tokens.digest(session_id),
        user_id=row.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=moment,
        expires_at=moment + SESSION_MAX,
        last_seen_at=moment,
    )
    session.add(web)
    session.flush()
    audit.record(
        session,
        actor=row.username,
        action="auth.login",
        object=f"user:{row.username}",
        detail={"client": client, "session": web.digest[:12]},
    )
    return LoginOutcome(_session_principal(row, web, session_id), session_id)


def logout(session: Session, *, session_id: str) -> None:
    """End a browser session."""
    web = session.get(SessionRow, tokens.digest(session_id))
    if web is None or web.ended_at is not None:
        return
    web.ended_at = now()
    user = session.get(UserRow, web.user_id)
    name = user.username if user else "-"
    audit.record(session, actor=name, action="auth.logout", object=f"user:{name}")


def resolve_session(session: Session, *, session_id: str) -> Principal:
    """The user behind a session cookie; expired, idle or ended sessions are refused.

    Reads only: the idle timer is moved on by ``icrms.auth.usage`` (at most once a minute).
    """
    web = session.get(SessionRow, tokens.digest(session_id))
    moment = now()
    if (
        web is None
        or web.ended_at is not None
        or web.expires_at <= moment
        or web.last_seen_at + SESSION_IDLE <= moment
    ):
        raise AuthenticationError("not logged in or the session has ended")
    user = session.get(UserRow, web.user_id)
    if user is None or not user.active:
        raise AuthenticationError("not logged in or the session has ended")
    return _session_principal(user, web, session_id)


def create_token(session: Session, *, token: TokenCreate, actor: str) -> TokenIssued:
    """Issue an API token; the returned secret is shown once and stored only as a digest."""
    if token.expires_at is not None and token.expires_at <= now():
        raise ValidationError("expires_at", token.expires_at.isoformat(), "is in the past")
    public_id, secret_token, digest = tokens.new_token()
    row = ApiTokenRow(
        public_id=public_id,
        digest=digest,
        name=token.name,
        role=token.role.value,
        office_code=token.office_code,
        created_by=actor,
        created_at=now(),
        expires_at=token.expires_at,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="token.create",
        object=f"token:{public_id}",
        detail={"name": token.name, "role": token.role.value},
    )
    return TokenIssued(**_token(row).model_dump(), token=secret_token)


def list_tokens(session: Session) -> list[TokenRead]:
    """Every token, newest first (no secrets)."""
    return [_token(r) for r in session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id.desc()))]


def revoke_token(session: Session, *, public_id: str, actor: str) -> TokenRead:
    """Revoke a token at once."""
    row = session.scalar(select(ApiTokenRow).where(ApiTokenRow.public_id == public_id))
    if row is None:
        raise NotFoundError(f"token {public_id} not found")
    if row.revoked_at is None:
        row.revoked_at = now()
        audit.record(session, actor=actor, action="token.revoke", object=f"token:{public_id}")
    return _token(row)


def resolve_token(session: Session, *, token: str) -> Principal:
    """The principal of a bearer token; malformed, unknown, expired or revoked ones are refused.

    Reads only: ``last_used_at`` is noted by ``icrms.auth.usage``, off the request.
    """
    parts = tokens.split_token(token)
    row = (
        session.scalar(select(ApiTokenRow).where(ApiTokenRow.public_id == parts[0]))
        if parts
        else None
    )
    moment = now()
    if (
        parts is None
        or row is None
        or not tokens.matches(parts[1], row.digest)
        or row.revoked_at is not None
        or (row.expires_at is not None and row.expires_at <= moment)
    ):
        raise AuthenticationError("invalid, expired or revoked API token")
    return Principal(
        name=row.name,
        role=Role(row.role),
        office_code=row.office_code,
        via="token",
        token_id=row.id,
    )


def _throttled(session: Session, username: str, client: str, moment: datetime) -> bool:
    since = moment - THROTTLE_WINDOW
    by_user = session.scalar(
        select(func.count()).where(LoginAttemptRow.username == username, LoginAttemptRow.at > since)
    )
    by_client = session.scalar(
        select(func.count()).where(LoginAttemptRow.client == client, LoginAttemptRow.at > since)
    )
    return (by_user or 0) >= MAX_FAILURES_PER_USER or (by_client or 0) >= MAX_FAILURES_PER_CLIENT


def _end_sessions(session: Session, user_id: int) -> None:
    for web in session.scalars(
        select(SessionRow).where(SessionRow.user_id == user_id, SessionRow.ended_at.is_(None))
    ):
        web.ended_at = now()


def _user_row(session: Session, username: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    if row is None:
        raise NotFoundError(f"user {username} not found")
    return row


def _session_principal(user: UserRow, web: SessionRow, session_id: str) -> Principal:
    return Principal(
        name=user.username,
        role=Role(user.role),
        office_code=user.office_code,
        via="session",
        user_id=user.id,
        session_id=session_id,
        csrf_token=web.csrf_token,
    )


def _user(row: UserRow) -> UserRead:
    return UserRead.model_validate(row, from_attributes=True)


def _token(row: ApiTokenRow) -> TokenRead:
    return TokenRead.model_validate(row, from_attributes=True)
