"""Kafka's SCRAM users on a running cluster: add a principal, rotate its password, remove it.

KRaft keeps SCRAM credentials in its metadata log, so an administrator changes them through
the Admin API (AlterUserScramCredentials) with no restart. The broker applies a change a
moment after the controller accepted it; each function here returns only once a login with
the new credentials behaves as it should (let in, or refused), so that what the operator
hands on works at once. A removed user's open connections stay open until they close; it
cannot make another.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from confluent_kafka import KafkaError as RdKafkaError
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from kafka import KafkaAdminClient
from kafka.admin import ScramMechanism, UserScramCredentialDeletion, UserScramCredentialUpsertion
from kafka.errors import KafkaError
from pydantic import SecretStr

from services.platform.errors import UserError
from services.platform.kafka_auth import KafkaAuth

_MECHANISM = ScramMechanism.SCRAM_SHA_512
# Kafka's own default is 4096; every login costs the broker this many PBKDF2 rounds.
ITERATIONS = 8192
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_name(name: str) -> str:
    """A principal name the ACLs and logs can carry as it is (letters, digits, `._-`)."""
    if not _NAME.fullmatch(name):
        raise UserError(f"{name!r} is not a principal name: 1-64 letters, digits, '.', '_', '-'")
    return name


def new_password() -> SecretStr:
    """A random password (256 bits), for the operator to hand on once."""
    return SecretStr(secrets.token_urlsafe(32))


def scram_users(bootstrap: str, admin: KafkaAuth) -> list[str]:
    """The names of every SCRAM-SHA-512 user of the cluster."""
    described = _admin_call(bootstrap, admin, lambda c: c.describe_user_scram_credentials())
    return sorted(
        user
        for user, found in described.items()
        if not found["error"]
        and any(info["mechanism"] == _MECHANISM for info in found["credential_infos"])
    )


def set_password(
    bootstrap: str,
    admin: KafkaAuth,
    name: str,
    password: SecretStr,
    *,
    new: bool,
    timeout: float = 15.0,
) -> None:
    """Create the user (`new`) or give an existing one this password; wait until it logs in.

    Adding a user that exists, or rotating one that does not, is refused: either is a typo
    that would otherwise lock someone out or create a stranger.
    """
    check_name(name)
    exists = name in scram_users(bootstrap, admin)
    if new and exists:
        raise UserError(f"Kafka user {name} exists already: rotate its password instead")
    if not new and not exists:
        raise UserError(f"there is no Kafka user {name} to rotate: add it first")
    upsert = UserScramCredentialUpsertion(
        name, _MECHANISM, password.get_secret_value(), iterations=ITERATIONS
    )
    _alter(bootstrap, admin, upsert)
    _wait_for_login(bootstrap, KafkaAuth(name, password, admin.ca_file), True, timeout)


def delete_user(bootstrap: str, admin: KafkaAuth, name: str, *, timeout: float = 15.0) -> None:
    """Delete the user's SCRAM credential and wait until its password no longer logs in."""
    check_name(name)
    if name not in scram_users(bootstrap, admin):
        raise UserError(f"there is no Kafka user {name}")
    if name == admin.username:
        raise UserError("an administrator cannot remove the user it is logged in as")
    _alter(bootstrap, admin, UserScramCredentialDeletion(name, _MECHANISM))
    # A password nobody has: the credential is gone when even the right one would be refused,
    # and the broker's answer to a missing user and a wrong password is the same.
    probe = KafkaAuth(name, new_password(), admin.ca_file)
    _wait_for_login(bootstrap, probe, False, timeout)


def _alter(bootstrap: str, admin: KafkaAuth, alteration: Any) -> None:
    errors = _admin_call(bootstrap, admin, lambda c: c.alter_user_scram_credentials([alteration]))
    if errors.get(alteration.user):
        raise UserError(
            f"Kafka refused to change user {alteration.user}: {errors[alteration.user]}"
        )


def _admin_call(bootstrap: str, admin: KafkaAuth, call: Any) -> Any:
    try:
        client = KafkaAdminClient(
            bootstrap_servers=bootstrap, request_timeout_ms=15000, **admin.kafka_python()
        )
    except KafkaError as exc:
        raise UserError(
            f"could not log in to Kafka at {bootstrap} as {admin.username}: {exc}"
        ) from exc
    try:
        return call(client)
    except KafkaError as exc:
        raise UserError(f"Kafka at {bootstrap} refused a user change: {exc}") from exc
    finally:
        client.close()


def _wait_for_login(bootstrap: str, auth: KafkaAuth, accepted: bool, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while logs_in(bootstrap, auth) is not accepted:
        if time.monotonic() > deadline:
            outcome = "let in" if accepted else "refused"
            raise UserError(f"Kafka at {bootstrap} has not {outcome} {auth.username} in time")
        time.sleep(0.2)


def logs_in(bootstrap: str, auth: KafkaAuth) -> bool | None:
    """True when Kafka lets these credentials in, False when it refuses them, None: unknown."""
    errors: list[RdKafkaError] = []
    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap,
        "socket.timeout.ms": 3000,
        "error_cb": errors.append,
        **auth.librdkafka(),
    }
    client = AdminClient(config)
    try:
        client.list_topics(timeout=3)
        return True
    except KafkaException:
        client.poll(0.5)  # serves the error callbacks
        if any(e.code() == RdKafkaError._AUTHENTICATION for e in errors):
            return False
        return None  # unreachable or slow: not an answer either way
