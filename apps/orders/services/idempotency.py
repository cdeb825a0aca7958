"""``Idempotency-Key``: a write retried with the same key gets the first response back, byte for byte.

How concurrent duplicates end up as one write. The request's transaction
first claims the (client, key) row (``INSERT … ON CONFLICT DO NOTHING``), then
does the work, then stores the response in that row, and commits. A duplicate
arriving meanwhile claims the same (client, key) and waits:

* on PostgreSQL (READ COMMITTED) its insert blocks on the unique index until
  the first transaction ends; if that one committed, the insert does nothing
  and the next statement (a fresh snapshot) reads the stored response; if it
  rolled back, the insert succeeds and the duplicate does the work itself;
* on SQLite every write transaction begins IMMEDIATE (see settings), so the
  duplicate waits at BEGIN and then finds the committed row.

Only successful (2xx) responses are kept: a refused request leaves no record,
so the key may be used again once the request is fixed. Records are purged
after :data:`KEEP_DAYS` days by a scheduled job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.rows import ModelInsert, ModelUpdate, fetch_rows
from apps.orders.models import ApiClient, IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEEP_DAYS = 7


class IdempotencyKeyInvalid(ValidationError):
    """The header is present but unusable (empty, too long, not printable ASCII)."""


class IdempotencyKeyReused(Exception):
    """The key was already used for another request (another body or another endpoint)."""


class IdempotencyInProgress(Exception):
    """The first request with this key has not finished (only when it outlives a lock wait)."""


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    content_type: str
    body: bytes


class _NotKept(Exception):
    def __init__(self, response: StoredResponse) -> None:
        self.response = response


RECORD_INSERT = ModelInsert(IdempotencyRecord)
RESPONSE_UPDATE = ModelUpdate(IdempotencyRecord, ["status_code", "content_type", "body"])


def idempotency_key_check(raw: str | None) -> str | None:
    """The key sent in the header, or None when there is none; refuses unusable keys."""
    if raw is None:
        return None
    key = raw.strip()
    if not key:
        raise IdempotencyKeyInvalid(_("The Idempotency-Key header is empty."))
    if len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyInvalid(
            _("The Idempotency-Key is longer than %(max)d characters.") % {"max": MAX_KEY_LENGTH}
        )
    if not all(" " <= char <= "~" for char in key):
        raise IdempotencyKeyInvalid(_("The Idempotency-Key must be printable ASCII."))
    return key


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": endpoint and exact body bytes."""
    digest = hashlib.sha256()
    digest.update(f"{method.upper()} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def _stored(client: ApiClient, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(client=client, key=key).first()


def _claim(client: ApiClient, key: str, fingerprint: str) -> int | None:
    """Insert the (client, key) row; its id, or None when the key is already taken.

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL, SQLite ≥ 3.35):
    it waits for a concurrent holder of the key like a plain insert would, and
    needs no savepoint to survive the conflict.
    """
    record = IdempotencyRecord(
        company_id=client.company_id,
        client=client,
        key=key,
        request_hash=fingerprint,
        status_code=0,
        content_type="",
        body=b"",
        created_at=timezone.now(),
    )
    rows = fetch_rows(
        RECORD_INSERT.sql('ON CONFLICT ("client_id", "key") DO NOTHING'),
        RECORD_INSERT.values(record),
    )
    return int(rows[0][0]) if rows else None


def _replay(record: IdempotencyRecord | None, fingerprint: str) -> StoredResponse:
    if record is None or record.status_code == 0:
        raise IdempotencyInProgress(
            _("The first request with this Idempotency-Key is still running.")
        )
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            _(
                "This Idempotency-Key was already used for a different request; "
                "use a new key for a new request."
            )
        )
    return StoredResponse(record.status_code, record.content_type, bytes(record.body))


def idempotent(
    *,
    client: ApiClient,
    key: str,
    fingerprint: str,
    produce: Callable[[], StoredResponse],
) -> tuple[StoredResponse, bool]:
    """The response to this request: ``produce()``'s, or the stored one; and whether it was replayed.

    ``produce`` runs inside the transaction that holds the key, so its writes
    and the stored response commit together or not at all.
    """
    try:
        with transaction.atomic():
            record_id = _claim(client, key, fingerprint)
            if record_id is None:
                return _replay(_stored(client, key), fingerprint), True
            response = produce()
            if not 200 <= response.status_code < 300:
                raise _NotKept(response)
            RESPONSE_UPDATE.run(
                record_id, [response.status_code, response.content_type, response.body]
            )
            return response, False
    except _NotKept as refused:
        return refused.response, False


def idempotency_purge(*, before: datetime | None = None) -> int:
    """Forget responses older than :data:`KEEP_DAYS` days; returns how many were removed."""
    cutoff = before or timezone.now() - timedelta(days=KEEP_DAYS)
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
