"""User, token and session services (never commit: the unit of work does)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from dms import audit
from dms.auth.cache import principals_changed
from dms.auth.secrets import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    new_token,
    token_hash,
    verify_password,
)
from dms.db.tables import ApiToken, User, UserGroup, WebSession
from dms.db.types import utcnow
from dms.domain.principal import ROLES, Principal
from dms.errors import Conflict, NotFound, Unauthenticated, ValidationFailed


def principal_of(session: Session, user: User) -> Principal:
    groups = tuple(
        sorted(session.execute(select(col(UserGroup.group_name)).where(col(UserGroup.user_id) == user.id)).scalars())
    )
    return Principal(
        user_id=int(user.id or 0),
        username=user.username,
        role=user.role,  # type: ignore[arg-type]
        department=user.department,
        supplier_id=user.supplier_id,
        amount_limit=user.amount_limit,
        groups=groups,
    )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationFailed(f"unknown role {role!r}; valid roles: {', '.join(ROLES)}")


def parse_amount(value: str | Decimal | int | None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        d = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationFailed(f"amount limit {value!r} is not a number") from exc
    if not d.is_finite() or d < 0:
        raise ValidationFailed("amount limit must be a non-negative number")
    return d.quantize(Decimal("0.01"))


def create_user(
    session: Session,
    actor: Principal | None,
    username: str,
    role: str,
    *,
    password: str | None = None,
    department: str | None = None,
    supplier_id: int | None = None,
    amount_limit: Decimal | str | None = None,
    groups: list[str] | None = None,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    username = (username or "").strip()
    if not username or len(username) > 150 or any(c.isspace() for c in username):
        raise ValidationFailed("username must be 1–150 characters without spaces")
    _check_role(role)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if role == "supplier" and supplier_id is None:
        pass  # allowed: the supplier record may be linked later
    if session.execute(select(col(User.id)).where(col(User.username) == username)).first():
        raise Conflict(f"user {username!r} already exists")
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password) if password else None,
        department=(department or None),
        supplier_id=supplier_id,
        amount_limit=parse_amount(amount_limit),
        display_name=display_name,
        email=email,
    )
    session.add(user)
    session.flush()
    for g in groups or []:
        session.add(UserGroup(user_id=int(user.id or 0), group_name=g))
    audit.record(
        session, actor, "user.create", "user", user.id,
        {"username": username, "role": role, "department": department, "supplier_id": supplier_id},
    )
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def get_user_by_name(session: Session, username: str) -> User:
    user: User | None = session.execute(select(User).where(col(User.username) == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"user {username!r} not found")
    return user


def update_user(session: Session, actor: Principal, user_id: int, **changes: object) -> User:
    user = get_user(session, user_id)
    if actor is not None and actor.user_id == user_id and (
        changes.get("active") is False or (changes.get("role") not in (None, user.role))
    ):
        raise ValidationFailed("you cannot deactivate yourself or change your own role (ask another admin)")
    applied: dict[str, object] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key == "role":
            _check_role(str(value))
        if key == "supplier_id":  # "" clears the link
            user.supplier_id = int(value) if value != "" else None  # type: ignore[call-overload]
            applied[key] = user.supplier_id
            continue
        if key == "department":  # "" clears the unit
            dept = str(value).strip()
            if len(dept) > 64:
                raise ValidationFailed("department must have at most 64 characters")
            user.department = dept or None
            applied[key] = user.department
            continue
        if key == "password":
            if len(str(value)) < MIN_PASSWORD_LENGTH:
                raise ValidationFailed(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
            user.password_hash = hash_password(str(value))
            applied["password"] = "changed"  # noqa: S105 - audit note, not a secret
            continue
        if key == "amount_limit":  # "" clears the limit
            setattr(user, key, parse_amount(value))  # type: ignore[arg-type]
            applied[key] = str(user.amount_limit)
            continue
        if key == "groups":
            for row in session.execute(select(UserGroup).where(col(UserGroup.user_id) == user_id)).scalars():
                session.delete(row)
            session.flush()
            for g in value:  # type: ignore[attr-defined]
                session.add(UserGroup(user_id=user_id, group_name=str(g)))
            applied["groups"] = list(value)  # type: ignore[call-overload]
            continue
        if not hasattr(user, key):
            raise ValidationFailed(f"unknown user field {key!r}")
        setattr(user, key, value)
        applied[key] = value
    session.add(user)
    principals_changed(session)
    audit.record(session, actor, "user.update", "user", user_id, applied)
    if changes.get("active") is False:
        # a deactivated user is refused at once anyway (every session/token check reads ``active``);
        # ending the sessions too means a later reactivation does not revive an old browser login
        revoke_sessions(session, actor, user_id)
    return user


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    get_user(session, user_id)
    return list(
        session.execute(
            select(ApiToken).where(col(ApiToken.user_id) == user_id).order_by(col(ApiToken.id))
        ).scalars()
    )


def revoke_tokens(session: Session, actor: Principal, user_id: int) -> int:
    """Revoke every API token of a user; returns how many were still valid."""
    get_user(session, user_id)
    count = session.exec(
        update(ApiToken).where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked).is_(False)).values(revoked=True)
    ).rowcount
    principals_changed(session)
    audit.record(session, actor, "token.revoke_all", "user", user_id, {"count": count})
    return count


def active_session_count(session: Session, user_id: int) -> int:
    return session.scalars(
        select(func.count()).select_from(WebSession).where(
            col(WebSession.user_id) == user_id,
            col(WebSession.revoked).is_(False),
            col(WebSession.expires_at) > utcnow(),
        )
    ).one()


def revoke_sessions(session: Session, actor: Principal | None, user_id: int) -> int:
    """End every open browser session of a user (the next request of that browser is signed out)."""
    get_user(session, user_id)
    count = session.exec(
        update(WebSession).where(col(WebSession.user_id) == user_id, col(WebSession.revoked).is_(False))
        .values(revoked=True)
    ).rowcount
    audit.record(session, actor, "session.revoke_all", "user", user_id, {"count": count})
    return count


def create_token(
    session: Session, actor: Principal | None, user_id: int, name: str = "api", days: int | None = 365
) -> tuple[ApiToken, str]:
    """Create a personal API token; returns the row and the plain token (shown once)."""
    get_user(session, user_id)
    plain = new_token()
    row = ApiToken(
        user_id=user_id,
        name=name[:100] or "api",
        token_hash=token_hash(plain),
        prefix=plain[:10],
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "token.create", "user", user_id, {"token_id": row.id, "name": row.name})
    return row, plain


def revoke_token(session: Session, actor: Principal, token_id: int, *, owner_id: int | None = None) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or (owner_id is not None and row.user_id != owner_id):
        raise NotFound(f"token {token_id} not found")
    row.revoked = True
    session.add(row)
    principals_changed(session)
    audit.record(session, actor, "token.revoke", "user", row.user_id, {"token_id": token_id})


def user_for_token(session: Session, token: str) -> User:
    row = session.execute(
        select(col(ApiToken.revoked), col(ApiToken.expires_at), User)
        .join(User, col(User.id) == col(ApiToken.user_id))
        .where(col(ApiToken.token_hash) == token_hash(token))
    ).first()
    if row is None or row[0] or (row[1] is not None and row[1] < utcnow()):
        raise Unauthenticated("invalid or expired API token")
    user: User = row[2]
    if not user.active:
        raise Unauthenticated("the token's user is disabled")
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    user: User | None = session.execute(select(User).where(col(User.username) == username)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password)
    if not user or not ok or not user.active:
        raise Unauthenticated("wrong username or password")
    return user


def create_session(session: Session, user: User, hours: int) -> tuple[WebSession, str]:
    plain = secrets.token_urlsafe(32)
    row = WebSession(
        user_id=int(user.id or 0),
        session_hash=token_hash(plain),
        csrf_token=secrets.token_urlsafe(24),
        expires_at=utcnow() + timedelta(hours=hours),
    )
    session.add(row)
    session.flush()
    audit.record(session, principal_of(session, user), "session.login", "user", user.id, {})
    return row, plain


def session_for_cookie(session: Session, cookie: str) -> tuple[WebSession, User]:
    row = session.execute(
        select(WebSession).where(col(WebSession.session_hash) == token_hash(cookie))
    ).scalar_one_or_none()
    if row is None or row.revoked or row.expires_at < utcnow():
        raise Unauthenticated("session expired; please log in again")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthenticated("user is disabled")
    return row, user


def end_session(session: Session, cookie: str) -> None:
    row = session.execute(
        select(WebSession).where(col(WebSession.session_hash) == token_hash(cookie))
    ).scalar_one_or_none()
    if row is not None:
        row.revoked = True
        session.add(row)
