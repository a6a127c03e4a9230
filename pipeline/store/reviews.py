"""The workbench's records in the store: reviewers, sessions, failed logins, reviewed passages,
codings, verdict overrides and the audit log. Operates on a `Store`'s sessions; the tables are in
pipeline/store/db.py (migrations 0004 and 0005).

A reviewed passage is keyed by its document's path, its offsets and the SHA-256 of its text,
so a review survives re-processing (passage rows are replaced) and is re-applied while the
text at those offsets is unchanged. Every save carries the version the reviewer saw; a save
based on an older version is refused (`StaleEdit`) instead of overwriting someone's work.
Every change writes one audit row with the old and the new value; audit rows are never
updated or deleted.

Accounts: a change of role or a deactivation that would leave no active admin is refused
(`LastAdmin`); deactivating a reviewer ends their sessions and keeps their reviews and audit rows.
Failed logins are counted per login name in the store, so the lock-out survives a restart and
holds across every server process on the same store.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.data import ELEMENTS, OBSTACLE_CODES, STANCES, VERDICTS, Passage
from pipeline.store import auth
from pipeline.store.db import (
    AuditRow,
    CodingRow,
    LoginFailureRow,
    PassageReviewRow,
    ReviewerRow,
    ReviewSessionRow,
    ReviewSettingRow,
    Store,
    VerdictOverrideRow,
)

log = logging.getLogger(__name__)

ROLES: tuple[str, ...] = ("reviewer", "admin")
SESSION_TTL = timedelta(hours=8)
# What one form field may hold: a memo and an override reason go into the append-only audit log for good.
MAX_NAME, MAX_MEMO, MAX_REASON = 100, 4000, 4000
MAX_FAILURES, LOCKOUT = 5, timedelta(minutes=15)  # failed logins per name that lock it for LOCKOUT


class StaleEdit(Exception):
    """The record changed since the reviewer loaded it; nothing was saved."""


class InvalidLabels(ValueError):
    pass


class LastAdmin(ValueError):
    """The change would leave the workbench with no active admin; nothing was changed."""


class LockedOut(Exception):
    """Too many failed logins for this name within LOCKOUT; the password was not checked."""

    def __init__(self, name: str, wait: float):
        self.name, self.wait = name, wait
        minutes = max(1, math.ceil(wait / 60))
        super().__init__(f"Too many failed attempts for {name!r}: wait {minutes} minute{'s' * (minutes != 1)}.")


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unit_id(doc_key: str, start: int, end: int, sha: str) -> str:
    return f"{doc_key}:{start}-{end}:{sha[:16]}"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(t: datetime | None) -> datetime | None:
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


def _iso(t: datetime | None) -> str | None:
    t = _aware(t)
    return t.isoformat(timespec="seconds") if t else None


@dataclass(slots=True)
class Labels:
    elements: list[str]
    stance: str
    obstacles: list[str]
    case: str | None

    def check(self) -> Labels:
        """Normalise and validate: the same rules the codebook follows."""
        bad = [e for e in self.elements if e not in ELEMENTS] + [o for o in self.obstacles if o not in OBSTACLE_CODES]
        if bad:
            raise InvalidLabels(f"unknown element or obstacle code: {', '.join(bad)}")
        if self.stance not in STANCES:
            raise InvalidLabels(f"stance must be one of {', '.join(STANCES)}, got {self.stance!r}")
        self.elements = [e for e in ELEMENTS if e in self.elements]
        self.obstacles = [o for o in OBSTACLE_CODES if o in self.obstacles]
        if self.stance == "neutral" and (self.elements or self.obstacles):
            raise InvalidLabels("a neutral passage is not evidence: it takes no elements and no obstacle codes")
        if self.stance != "neutral" and not self.elements:
            raise InvalidLabels(f"a {self.stance} passage is evidence on at least one element: choose one")
        if self.stance == "positive" and self.obstacles:
            raise InvalidLabels("obstacle codes go with the stance 'obstacle' only")
        return self

    def record(self) -> dict:
        return {"elements": list(self.elements), "stance": self.stance, "obstacles": list(self.obstacles),
                "case": self.case}


def model_labels(p: Passage) -> dict:
    return {"elements": list(p.elements), "stance": p.stance, "obstacles": list(p.obstacles), "case": p.case,
            "scores": dict(p.scores), "stance_scores": dict(p.stance_scores)}


def review_record(r: PassageReviewRow, names: dict[int, str]) -> dict:
    return {"id": r.id, "doc_key": r.doc_key, "doc": r.doc, "start": r.start, "end": r.end, "text_sha": r.text_sha,
            "text": r.text, "status": r.status, "elements": list(r.elements or []), "stance": r.stance,
            "obstacles": list(r.obstacles or []), "case": r.case, "memo": r.memo, "model": dict(r.model or {}),
            "reviewer": names.get(r.reviewer_id, "?"), "reviewer_id": r.reviewer_id, "version": r.version,
            "at": _iso(r.updated_at), "unit": unit_id(r.doc_key, r.start, r.end, r.text_sha)}


def normalise_name(name: str) -> str:
    """A login name as stored and compared: Unicode NFKC, trimmed, case-folded ("Ana" and "ana" are one name).
    A name with a control or format character (NUL, a newline, a zero-width space) is refused."""
    name = unicodedata.normalize("NFKC", name).strip()
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in name):
        raise ValueError("reviewer name: letters, digits, spaces and punctuation only (no control characters)")
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"reviewer name: 1 to {MAX_NAME} characters")
    return name.casefold()


def check_length(field: str, value: str, limit: int) -> str:
    """`value` if it is at most `limit` characters, else InvalidLabels naming the field."""
    if len(value) > limit:
        raise InvalidLabels(f"{field}: at most {limit} characters, got {len(value)}")
    return value


def _failure_key(name: str) -> str:
    """The login name as the failure counter's key (PostgreSQL text holds no NUL; the column 200 characters),
    normalised as names are, so "Ana" and "ana" share one count."""
    try:
        name = normalise_name(name)
    except ValueError:
        pass
    return name.replace("\x00", "\ufffd")[:200]


def _actor(actor: dict | None) -> tuple[int | None, str]:
    """(id, name) for the audit row: the admin who made the change, or `admin` for the command line."""
    return (actor["id"], actor["name"]) if actor else (None, "admin")


def _override_record(o: VerdictOverrideRow, names: dict[int, str]) -> dict:
    return {"case": o.case, "element": o.element, "status": o.status, "reason": o.reason,
            "replaced_status": o.replaced_status, "reviewer": names.get(o.reviewer_id, "?"), "version": o.version,
            "at": _iso(o.updated_at)}


class ReviewStore:
    def __init__(self, store: Store, session_ttl: timedelta = SESSION_TTL):
        self.store = store
        self.session_ttl = session_ttl
        self._secret: bytes | None = None

    # ------------------------------------------------------------------ secret
    def secret(self) -> bytes:
        """The key that signs session cookies: made once per store and kept in it, so several
        server processes over one store accept each other's cookies."""
        if self._secret is None:
            with self.store.session() as s:
                row = s.get(ReviewSettingRow, "secret")
                if row is None:
                    row = ReviewSettingRow(key="secret", value=secrets.token_hex(32))
                    s.add(row)
                self._secret = bytes.fromhex(row.value)
        return self._secret

    # ------------------------------------------------------------------ reviewers
    def add_reviewer(self, name: str, password: str, role: str = "reviewer", *, actor: dict | None = None) -> int:
        """A new active account; `actor` is the admin making it (None: the command line)."""
        name = normalise_name(name)
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        hashed = auth.hash_password(password)
        if any(a["name"].casefold() == name for a in self.accounts()):  # names made before they were case-folded
            raise ValueError(f"a reviewer named {name!r} already exists")
        try:
            with self.store.session() as s:
                row = ReviewerRow(name=name, password_hash=hashed, role=role, active=True, created_at=_now())
                s.add(row)
                s.flush()
                self._audit(s, *_actor(actor), "reviewer.add", f"reviewer:{name}", None, {"name": name, "role": role})
                return row.id
        except IntegrityError:
            raise ValueError(f"a reviewer named {name!r} already exists") from None

    def set_password(self, name: str, password: str, *, actor: dict | None = None) -> None:
        """A new password for `name`; ends all their sessions."""
        hashed = auth.hash_password(password)
        with self.store.session() as s:
            row = self._named(s, name)
            if row is None:
                raise ValueError(f"no reviewer named {name!r}")
            row.password_hash = hashed
            s.execute(delete(ReviewSessionRow).where(ReviewSessionRow.reviewer_id == row.id))
            self._audit(s, *_actor(actor), "reviewer.password", f"reviewer:{name}", None, None)

    def reviewers(self) -> list[dict]:
        return [{k: a[k] for k in ("id", "name", "role", "active")} for a in self.accounts()]

    def accounts(self) -> list[dict]:
        """Every reviewer with what the accounts page shows (no password hashes)."""
        with self.store.reading() as s:
            return [{"id": r.id, "name": r.name, "role": r.role, "active": r.active, "created_at": _iso(r.created_at),
                     "last_login_at": _iso(r.last_login_at), "has_password": r.password_hash.startswith("scrypt$")}
                    for r in s.execute(select(ReviewerRow).order_by(ReviewerRow.name)).scalars()]

    def account(self, reviewer_id: int) -> dict | None:
        return next((a for a in self.accounts() if a["id"] == reviewer_id), None)

    def _locked_for_change(self, s: Session, reviewer_id: int) -> tuple[ReviewerRow, int]:
        """The reviewer's row and the number of other active admins, with all those rows locked (in id order, so
        two admins changing each other's accounts at once wait for one another instead of deadlocking)."""
        rows = s.execute(select(ReviewerRow).where(or_(
            ReviewerRow.id == reviewer_id, and_(ReviewerRow.role == "admin", ReviewerRow.active.is_(True))))
            .order_by(ReviewerRow.id).with_for_update()).scalars().all()
        row = next((r for r in rows if r.id == reviewer_id), None)
        if row is None:
            raise ValueError(f"no reviewer with id {reviewer_id}")
        return row, sum(r.id != reviewer_id and r.role == "admin" and r.active for r in rows)

    @staticmethod
    def _keep_an_admin(row: ReviewerRow, other_admins: int, *, role: str, active: bool) -> None:
        if row.role == "admin" and row.active and not (role == "admin" and active) and other_admins == 0:
            raise LastAdmin(f"{row.name} is the only active admin: make another reviewer admin first, "
                            "or nobody could manage accounts or read the audit log")

    def set_role(self, actor: dict | None, reviewer_id: int, role: str) -> bool:
        """Give the reviewer `role`; False when it already was theirs. Raises LastAdmin rather than demote
        the last active admin."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        with self.store.session() as s:
            row, others = self._locked_for_change(s, reviewer_id)
            if row.role == role:
                return False
            self._keep_an_admin(row, others, role=role, active=row.active)
            old, row.role = row.role, role
            self._audit(s, *_actor(actor), "reviewer.role", f"reviewer:{row.name}", {"role": old}, {"role": role})
        return True

    def set_active(self, actor: dict | None, reviewer_id: int, active: bool) -> bool:
        """Reactivate or deactivate the reviewer; False when nothing changed. Deactivating ends their sessions
        (their reviews, codings and audit rows stay); raises LastAdmin rather than leave no active admin."""
        with self.store.session() as s:
            row, others = self._locked_for_change(s, reviewer_id)
            if row.active == active:
                return False
            self._keep_an_admin(row, others, role=row.role, active=active)
            row.active = active
            if not active:
                s.execute(delete(ReviewSessionRow).where(ReviewSessionRow.reviewer_id == row.id))
            self._audit(s, *_actor(actor), "reviewer.activate" if active else "reviewer.deactivate",
                        f"reviewer:{row.name}", {"active": not active}, {"active": active})
        return True

    def _names(self, s: Session) -> dict[int, str]:
        return dict(s.execute(select(ReviewerRow.id, ReviewerRow.name)).all())

    @staticmethod
    def _named(s: Session, name: str) -> ReviewerRow | None:
        """The reviewer of a login name, compared normalised (`normalise_name`); a name stored before names
        were normalised is found as it was typed. None for a name no reviewer can have (NUL, ...)."""
        try:
            key = normalise_name(name)
        except ValueError:
            return None
        rows = s.execute(select(ReviewerRow).where(ReviewerRow.name.in_({key, name.strip()}))).scalars().all()
        return next((r for r in rows if r.name == key), rows[0] if rows else None)

    def authenticate(self, name: str, password: str) -> dict | None:
        """The reviewer if `password` is theirs and they are active; no lock-out (see `login`). Takes one
        password check whether or not the name exists (no telling names apart by the time an answer takes)."""
        with self.store.reading() as s:
            row = self._named(s, name)
        if row is None or not row.active or len(password) > auth.MAX_PASSWORD:
            auth.verify_password(password[:auth.MAX_PASSWORD], auth.dummy_hash())  # the same time either way
            return None
        if not auth.verify_password(password, row.password_hash):
            return None
        return {"id": row.id, "name": row.name, "role": row.role}

    # ------------------------------------------------------------------ logging in, lock-out
    def login(self, name: str, password: str) -> dict | None:
        """`authenticate` under the lock-out policy: after MAX_FAILURES failed logins for `name` within
        LOCKOUT, raises LockedOut without checking the password. A success clears the name's failures and
        records the reviewer's last login.

        The attempt is counted before the password is checked (in one locked transaction) and the count is
        cleared on success, so parallel guesses cannot get past the limit while the checks are running."""
        self._count_attempt(name)
        user = self.authenticate(name, password)
        if user is not None:
            with self.store.session() as s:
                s.execute(delete(LoginFailureRow).where(LoginFailureRow.name == _failure_key(name)))
                s.execute(update(ReviewerRow).where(ReviewerRow.id == user["id"]).values(last_login_at=_now()))
        return user

    def _count_attempt(self, name: str) -> None:
        key, now = _failure_key(name), time.time()
        window = LOCKOUT.total_seconds()
        for attempt in range(3):
            try:
                with self.store.session() as s:
                    row = s.execute(select(LoginFailureRow).where(LoginFailureRow.name == key)
                                    .with_for_update()).scalar_one_or_none()
                    recent = sorted(t for t in (row.failed_at if row else []) if now - t < window)
                    if len(recent) >= MAX_FAILURES:
                        raise LockedOut(name, recent[-MAX_FAILURES] + window - now)
                    stamp = datetime.fromtimestamp(now, UTC)
                    if row is None:
                        s.add(LoginFailureRow(name=key, failed_at=[now], last_at=stamp))
                    else:
                        row.failed_at, row.last_at = [*recent, now], stamp
                    # names whose failures all left the window: nothing to remember
                    s.execute(delete(LoginFailureRow).where(LoginFailureRow.last_at < stamp - LOCKOUT,
                                                            LoginFailureRow.name != key))
                return
            except IntegrityError:  # PostgreSQL: another process counted this name's first failure just now
                if attempt == 2:
                    raise

    def failed_logins(self, name: str) -> int:
        """Failed logins for `name` within the lock-out window."""
        now, window = time.time(), LOCKOUT.total_seconds()
        with self.store.reading() as s:
            row = s.get(LoginFailureRow, _failure_key(name))
            return sum(now - t < window for t in (row.failed_at if row else []))

    # ------------------------------------------------------------------ sessions
    def open_session(self, reviewer_id: int) -> tuple[str, str]:
        """A new session: (token for the cookie, CSRF token). Also drops expired sessions."""
        token, csrf, now = auth.new_token(), secrets.token_urlsafe(24), _now()
        with self.store.session() as s:
            s.execute(delete(ReviewSessionRow).where(ReviewSessionRow.expires_at < now))
            s.add(ReviewSessionRow(token_sha=auth.token_sha(token), reviewer_id=reviewer_id, csrf=csrf, created_at=now,
                                   expires_at=now + self.session_ttl))
        return token, csrf

    def session_for(self, token: str | None) -> dict | None:
        """The reviewer and CSRF token of a live session, or None (unknown, expired or inactive)."""
        if not token:
            return None
        with self.store.reading() as s:
            row = s.get(ReviewSessionRow, auth.token_sha(token))
            if row is None or _aware(row.expires_at) <= _now():
                return None
            who = s.get(ReviewerRow, row.reviewer_id)
            if who is None or not who.active:
                return None
            return {"id": who.id, "name": who.name, "role": who.role, "csrf": row.csrf,
                    "expires_at": _aware(row.expires_at)}

    def close_session(self, token: str) -> None:
        with self.store.session() as s:
            s.execute(delete(ReviewSessionRow).where(ReviewSessionRow.token_sha == auth.token_sha(token)))

    # ------------------------------------------------------------------ audit
    @staticmethod
    def _audit(s: Session, reviewer_id: int | None, reviewer: str, action: str, target: str, old, new) -> None:
        s.add(AuditRow(at=_now(), reviewer_id=reviewer_id, reviewer=reviewer, action=action, target=target,
                       old=old, new=new))

    def audit(self, limit: int | None = 200, target: str | None = None) -> list[dict]:
        with self.store.reading() as s:
            q = select(AuditRow).order_by(AuditRow.id.desc())
            if target is not None:
                q = q.where(AuditRow.target == target)
            if limit:
                q = q.limit(limit)
            return [{"id": a.id, "at": _iso(a.at), "reviewer": a.reviewer, "action": a.action, "target": a.target,
                     "old": a.old, "new": a.new} for a in s.execute(q).scalars()]

    # ------------------------------------------------------------------ passage reviews
    def reviews(self, doc_key: str | None = None) -> list[dict]:
        with self.store.reading() as s:
            q = select(PassageReviewRow).order_by(PassageReviewRow.doc_key, PassageReviewRow.start)
            if doc_key is not None:
                q = q.where(PassageReviewRow.doc_key == doc_key)
            names = self._names(s)
            return [review_record(r, names) for r in s.execute(q).scalars()]

    def review_of(self, doc_key: str, p: Passage) -> dict | None:
        sha = text_sha(p.text)
        with self.store.reading() as s:
            row = s.execute(select(PassageReviewRow).where(
                PassageReviewRow.doc_key == doc_key, PassageReviewRow.start == p.start, PassageReviewRow.end == p.end,
                PassageReviewRow.text_sha == sha)).scalar_one_or_none()
            return review_record(row, self._names(s)) if row else None

    def save_review(self, reviewer: dict, doc_key: str, p: Passage, labels: Labels, *, status: str, memo: str,
                    seen_version: int) -> dict:
        """Accept or correct passage `p` of the document at `doc_key`. `seen_version` is the review version the
        reviewer's page showed (0: not reviewed yet); if the passage was saved since, raises StaleEdit."""
        if status not in {"accepted", "corrected"}:
            raise ValueError(f"status must be accepted or corrected, got {status!r}")
        labels.check()
        check_length("memo", memo, MAX_MEMO)
        sha = text_sha(p.text)
        unit = unit_id(doc_key, p.start, p.end, sha)
        try:
            with self.store.session() as s:
                row = s.execute(select(PassageReviewRow).where(
                    PassageReviewRow.doc_key == doc_key, PassageReviewRow.start == p.start,
                    PassageReviewRow.end == p.end, PassageReviewRow.text_sha == sha).with_for_update()).scalar_one_or_none()
                names = self._names(s)
                current = row.version if row else 0
                if current != seen_version:
                    raise StaleEdit(self._stale_message(row, names, seen_version))
                old = ({k: v for k, v in review_record(row, names).items() if k in
                        ("status", "elements", "stance", "obstacles", "case", "memo", "reviewer", "version")}
                       if row else {"source": "model", **{k: v for k, v in model_labels(p).items()
                                                          if k in ("elements", "stance", "obstacles", "case")}})
                if row is None:
                    row = PassageReviewRow(doc_key=doc_key, doc=p.doc, start=p.start, end=p.end, text_sha=sha,
                                           text=p.text, model=model_labels(p), version=0)
                    s.add(row)
                row.status, row.memo, row.reviewer_id = status, memo.strip(), reviewer["id"]
                row.elements, row.stance, row.obstacles, row.case = (labels.elements, labels.stance, labels.obstacles,
                                                                      labels.case)
                row.version, row.updated_at = current + 1, _now()
                s.flush()
                self._upsert_coding(s, reviewer["id"], doc_key, p.start, p.end, sha, "", labels)
                new = {"status": status, **labels.record(), "memo": row.memo, "reviewer": reviewer["name"],
                       "version": row.version}
                self._audit(s, reviewer["id"], reviewer["name"], "passage.accept" if status == "accepted" else "passage.correct",
                            unit, old, new)
                return review_record(row, names)
        except IntegrityError:  # another reviewer created the first review a moment earlier
            raise StaleEdit("this passage was reviewed by someone else a moment ago; reload the page to see "
                            "their labels before saving yours") from None

    @staticmethod
    def _stale_message(row: PassageReviewRow | None, names: dict[int, str], seen: int) -> str:
        if row is None:
            return f"your page showed version {seen} of this review, but the review no longer exists; reload the page"
        return (f"not saved: {names.get(row.reviewer_id, '?')} saved this passage at {_iso(row.updated_at)} "
                f"(version {row.version}) after your page loaded version {seen}. Reload the page to see their "
                f"labels, then save again if you still disagree.")

    def _upsert_coding(self, s: Session, reviewer_id: int, doc_key: str, start: int, end: int, sha: str, batch: str,
                       labels: Labels) -> None:
        unit = unit_id(doc_key, start, end, sha)
        row = s.execute(select(CodingRow).where(CodingRow.unit == unit, CodingRow.batch == batch,
                                                CodingRow.reviewer_id == reviewer_id)).scalar_one_or_none()
        if row is None:
            row = CodingRow(unit=unit, doc_key=doc_key, start=start, end=end, text_sha=sha, batch=batch,
                            reviewer_id=reviewer_id)
            s.add(row)
        row.elements, row.stance, row.obstacles, row.case = labels.elements, labels.stance, labels.obstacles, labels.case
        row.updated_at = _now()

    # ------------------------------------------------------------------ codings (agreement)
    def codings(self, batch: str | None = None) -> list[dict]:
        with self.store.reading() as s:
            names = self._names(s)
            q = select(CodingRow).order_by(CodingRow.id)
            if batch is not None:
                q = q.where(CodingRow.batch == batch)
            return [{"unit": c.unit, "doc_key": c.doc_key, "start": c.start, "end": c.end, "text_sha": c.text_sha,
                     "batch": c.batch, "reviewer": names.get(c.reviewer_id, "?"), "elements": list(c.elements or []),
                     "stance": c.stance, "obstacles": list(c.obstacles or []), "case": c.case}
                    for c in s.execute(q).scalars()]

    def batches(self) -> list[str]:
        with self.store.reading() as s:
            return sorted(b for (b,) in s.execute(select(CodingRow.batch).distinct()))

    def import_codings(self, batch: str, reviewer: str, rows: list[dict], *, actor: str = "import") -> int:
        """Store another coder's labels (e.g. the corpus's double coding) as `reviewer`'s codings in `batch`.
        Each row: doc_key, start, end, text, elements, stance, obstacles, case. Re-importing replaces the
        batch's codings of that reviewer (one audit row per import)."""
        with self.store.session() as s:
            who = s.execute(select(ReviewerRow).where(ReviewerRow.name == reviewer)).scalar_one_or_none()
            if who is None:
                who = ReviewerRow(name=reviewer, password_hash=auth.unusable_password(), role="reviewer", active=False,
                                  created_at=_now())
                s.add(who)
                s.flush()
            gone = s.execute(delete(CodingRow).where(CodingRow.batch == batch, CodingRow.reviewer_id == who.id)).rowcount
            now = _now()
            for r in rows:
                sha = text_sha(r["text"])
                s.add(CodingRow(unit=unit_id(r["doc_key"], r["start"], r["end"], sha), doc_key=r["doc_key"],
                                start=r["start"], end=r["end"], text_sha=sha, batch=batch, reviewer_id=who.id,
                                elements=list(r["elements"]), stance=r["stance"], obstacles=list(r["obstacles"]),
                                case=r.get("case"), updated_at=now))
            self._audit(s, None, actor, "codings.import", f"batch:{batch}:{reviewer}", {"rows": gone} if gone else None,
                        {"rows": len(rows)})
        return len(rows)

    # ------------------------------------------------------------------ verdict overrides
    def overrides(self) -> list[dict]:
        with self.store.reading() as s:
            names = self._names(s)
            return [_override_record(o, names) for o in s.execute(
                select(VerdictOverrideRow).order_by(VerdictOverrideRow.case, VerdictOverrideRow.element)).scalars()]

    def override_version(self, case: str, element: str) -> int:
        with self.store.reading() as s:
            v = s.execute(select(VerdictOverrideRow.version).where(VerdictOverrideRow.case == case,
                                                                   VerdictOverrideRow.element == element)).scalar()
            return v or 0

    def save_override(self, reviewer: dict, case: str, element: str, status: str | None, reason: str, *,
                      replaced_status: str | None, seen_version: int) -> dict | None:
        """Set (status given) or withdraw (status None) the reviewer's verdict for (case, element).
        A reason is required either way; `seen_version` as in `save_review`."""
        if element not in ELEMENTS:
            raise InvalidLabels(f"element must be one of {', '.join(ELEMENTS)}, got {element!r}")
        if status is not None and status not in VERDICTS:
            raise InvalidLabels(f"verdict must be one of {', '.join(VERDICTS)}, got {status!r}")
        if not reason.strip():
            raise InvalidLabels("an override needs a reason: say why the evidence supports another verdict")
        check_length("reason", reason, MAX_REASON)
        target = f"verdict:{case}/{element}"
        try:
            with self.store.session() as s:
                names = self._names(s)
                row = s.execute(select(VerdictOverrideRow).where(
                    VerdictOverrideRow.case == case, VerdictOverrideRow.element == element).with_for_update()
                ).scalar_one_or_none()
                current = row.version if row else 0
                if current != seen_version:
                    who = names.get(row.reviewer_id, "?") if row else "someone"
                    raise StaleEdit(f"not saved: {who} changed the override of {case}/{element} after your page "
                                    f"loaded it (version {current}, your page: {seen_version}); reload the page")
                old = (_override_record(row, names) if row else {"status": replaced_status, "source": "aggregator"})
                if status is None:
                    if row is None:
                        raise InvalidLabels(f"{case}/{element} has no override to withdraw")
                    s.delete(row)
                    self._audit(s, reviewer["id"], reviewer["name"], "verdict.withdraw", target, old,
                                {"status": replaced_status, "source": "aggregator", "reason": reason.strip()})
                    return None
                if row is None:
                    row = VerdictOverrideRow(case=case, element=element, version=0)
                    s.add(row)
                row.status, row.reason, row.reviewer_id = status, reason.strip(), reviewer["id"]
                row.replaced_status = replaced_status if replaced_status is not None else row.replaced_status
                row.version, row.updated_at = current + 1, _now()
                s.flush()
                rec = _override_record(row, names)
                self._audit(s, reviewer["id"], reviewer["name"], "verdict.override", target, old, rec)
                return rec
        except IntegrityError:
            raise StaleEdit(f"someone overrode {case}/{element} a moment ago; reload the page") from None
