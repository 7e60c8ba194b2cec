"""A key that matched its stored record is served on the record it matched, and only on it."""

from __future__ import annotations

import hashlib
import json

from services.api.key_check import MatchedKeys, check_record

KEY = "vx_0123456789ab_the-secret"


def _record(key: str = KEY, revoked_at: str | None = None, name: str = "Brent") -> bytes:
    return json.dumps(
        {
            "key_id": "0123456789ab",
            "role": "council",
            "name": name,
            "areas": ["E09000005"],
            "created_at": "2021-03-01T00:00:00+00:00",
            "revoked_at": revoked_at,
            "digest": hashlib.sha256(key.encode()).hexdigest(),
        }
    ).encode()


def test_a_matching_key_is_remembered_and_served_while_its_record_is_unchanged() -> None:
    memo = MatchedKeys()
    first = check_record(memo, KEY, _record())
    assert first is not None and first.name == "Brent"
    assert memo.get(KEY) is not None
    assert check_record(memo, KEY, _record()) == first


def test_a_revoked_or_deleted_record_refuses_a_remembered_key_at_once() -> None:
    memo = MatchedKeys()
    assert check_record(memo, KEY, _record()) is not None
    assert check_record(memo, KEY, _record(revoked_at="2021-03-02T00:00:00+00:00")) is None
    assert memo.get(KEY) is None
    assert check_record(memo, KEY, _record()) is not None
    assert check_record(memo, KEY, None) is None


def test_a_changed_record_is_read_afresh() -> None:
    memo = MatchedKeys()
    check_record(memo, KEY, _record())
    renamed = check_record(memo, KEY, _record(name="Brent public health"))
    assert renamed is not None and renamed.name == "Brent public health"


def test_a_wrong_secret_is_never_remembered_nor_served() -> None:
    memo = MatchedKeys()
    check_record(memo, KEY, _record())
    wrong = "vx_0123456789ab_a-guess"
    assert check_record(memo, wrong, _record()) is None
    assert memo.get(wrong) is None


def test_the_memo_stays_bounded() -> None:
    memo = MatchedKeys(max_entries=2)
    keys = [f"vx_0123456789ab_secret-{i}" for i in range(3)]
    for key in keys:
        check_record(memo, key, _record(key))
    assert memo.get(keys[2]) is not None
    assert sum(memo.get(k) is not None for k in keys) <= 2
