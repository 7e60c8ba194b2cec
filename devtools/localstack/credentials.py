"""The local stack's own secrets: a CA, the broker's certificate and every password.

Generated once (openssl) into a folder of the run directory, readable by its owner only, and
reused by every start after: `ca.pem` (what clients trust), `kafka.pem` (the broker's key and
certificate chain, a PEM keystore), `redis.crt` and `redis.key` (when Redis speaks TLS),
`passwords.json` (each Kafka principal's SCRAM password and each Redis user's password) and
`<service>.env`, the `VAXSHARE_*` credentials and Redis connection of one service, ready for
`set -a; . .run/secrets/operator.env`. Nothing here is ever committed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from devtools.localstack.errors import StackError
from services.platform.kafka_auth import KafkaAuth

# `admin` is the stack's own super user (it grants the ACLs); the rest are least-privilege.
KAFKA_PRINCIPALS = ("admin", "ingest", "aggregate", "release", "operator", "national-demo")
REDIS_USERS = ("ingest", "aggregate", "release", "api", "operator")
# Which Kafka principal and Redis user each service's process runs as.
SERVICE_IDENTITIES = {
    "ingest": ("ingest", "ingest"),
    "aggregate": ("aggregate", "aggregate"),
    "release": ("release", "release"),
    "api": (None, "api"),
    "operator": ("operator", "operator"),
}
BROKER_NAME = "vaxshare-broker"
_DAYS = "825"


@dataclass(frozen=True, slots=True)
class StackSecrets:
    """Where the stack's certificates are and what every principal's password is."""

    folder: Path
    kafka_passwords: dict[str, str]
    redis_passwords: dict[str, str]

    @property
    def ca_file(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def broker_keystore(self) -> Path:
        return self.folder / "kafka.pem"

    def kafka_auth(self, principal: str) -> KafkaAuth:
        """How a client connects as this Kafka principal."""
        return KafkaAuth(principal, SecretStr(self.kafka_passwords[principal]), self.ca_file)

    def service_settings(self, service: str) -> dict[str, Any]:
        """The same credentials as settings' keyword arguments (`redis_username=...`)."""
        return {
            k.removeprefix("VAXSHARE_").lower(): v for k, v in self.service_env(service).items()
        }

    def service_env(self, service: str) -> dict[str, str]:
        """The credential variables of one service (see SERVICE_IDENTITIES)."""
        kafka_user, redis_user = SERVICE_IDENTITIES[service]
        env = {
            "VAXSHARE_REDIS_USERNAME": redis_user,
            "VAXSHARE_REDIS_PASSWORD": self.redis_passwords[redis_user],
        }
        if kafka_user is not None:
            env |= {
                "VAXSHARE_KAFKA_USERNAME": kafka_user,
                "VAXSHARE_KAFKA_PASSWORD": self.kafka_passwords[kafka_user],
                "VAXSHARE_KAFKA_CA_FILE": str(self.ca_file),
            }
        return env


def ensure_secrets(
    folder: Path,
    *,
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
    connection: dict[str, str] | None = None,
) -> StackSecrets:
    """The secrets in `folder`, generated first if any is missing.

    `connection` (where Redis is, its prefix...) is added to every `<service>.env`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    passwords = folder / "passwords.json"
    if not (passwords.exists() and (folder / "kafka.pem").exists()):
        _certificates(folder, hosts)
        passwords.write_text(
            json.dumps(
                {
                    "kafka": {name: secrets.token_hex(24) for name in KAFKA_PRINCIPALS},
                    "redis": {name: secrets.token_hex(24) for name in REDIS_USERS},
                },
                indent=2,
            )
        )
        passwords.chmod(0o600)
    stored = json.loads(passwords.read_text())
    found = StackSecrets(folder, stored["kafka"], stored["redis"])
    for service in SERVICE_IDENTITIES:
        env_file = folder / f"{service}.env"
        env = {**(connection or {}), **found.service_env(service)}
        env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        env_file.chmod(0o600)
    return found


def _certificates(folder: Path, hosts: tuple[str, ...]) -> None:
    """A CA, and a broker certificate it signed for these hosts (server and client use)."""
    if shutil.which("openssl") is None:
        raise StackError(
            "openssl is needed to make the stack's certificates: apt-get install openssl"
        )
    ca_key, ca = folder / "ca.key", folder / "ca.pem"
    old_umask = os.umask(0o077)
    try:
        _openssl(
            "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-out", str(ca_key),
        )  # fmt: skip
        _openssl(
            "req", "-x509", "-new", "-key", str(ca_key), "-sha256", "-days", _DAYS,
            "-subj", "/CN=vaxshare local CA", "-out", str(ca),
        )  # fmt: skip
        _sign(folder, "kafka", BROKER_NAME, hosts)
    finally:
        os.umask(old_umask)
    key, cert = folder / "kafka.key", folder / "kafka.crt"
    keystore = folder / "kafka.pem"
    keystore.write_text(key.read_text() + cert.read_text() + ca.read_text())
    keystore.chmod(0o600)
    cert.unlink()


def ensure_redis_certificate(
    secrets: StackSecrets, *, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
) -> tuple[Path, Path]:
    """Redis's certificate and key, signed by the stack's CA (made on first use)."""
    cert, key = secrets.folder / "redis.crt", secrets.folder / "redis.key"
    if not (cert.exists() and key.exists()):
        old_umask = os.umask(0o077)
        try:
            _sign(secrets.folder, "redis", "vaxshare-redis", hosts)
        finally:
            os.umask(old_umask)
    return cert, key


def _sign(folder: Path, name: str, common_name: str, hosts: tuple[str, ...]) -> None:
    """`<name>.key` and `<name>.crt`, signed by the CA in `folder`, for these hosts."""
    key, csr, cert = (folder / f"{name}.{ext}" for ext in ("key", "csr", "crt"))
    names = ",".join(f"IP:{h}" if h.replace(".", "").isdigit() else f"DNS:{h}" for h in hosts)
    extensions = folder / f"{name}.ext"
    extensions.write_text(
        f"subjectAltName={names}\nextendedKeyUsage=serverAuth,clientAuth\n"
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
    )
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(key))
    _openssl("req", "-new", "-key", str(key), "-subj", f"/CN={common_name}", "-out", str(csr))
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(folder / "ca.pem"),
        "-CAkey", str(folder / "ca.key"), "-CAcreateserial", "-days", _DAYS, "-sha256",
        "-extfile", str(extensions), "-out", str(cert),
    )  # fmt: skip
    for leftover in (csr, extensions, folder / "ca.srl"):
        leftover.unlink(missing_ok=True)


def _openssl(*args: str) -> None:
    result = subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(f"openssl {args[0]} failed: {result.stderr.strip()}")
