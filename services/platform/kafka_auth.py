"""How every Kafka client of the project authenticates: SASL/SCRAM-SHA-512 over TLS.

One `KafkaAuth` (a principal's name and password, and the CA that signed the broker's
certificate) gives the settings of both client libraries the project uses: kafka-python
(consumers, admin) and librdkafka (producers). There is no plaintext mode: a broker that
does not speak TLS, or refuses the credentials, is an error the caller sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

MECHANISM = "SCRAM-SHA-512"
PROTOCOL = "SASL_SSL"


@dataclass(frozen=True, slots=True)
class KafkaAuth:
    """A Kafka principal's credentials and the CA its clients trust (None: the system's)."""

    username: str
    password: SecretStr
    ca_file: Path | None = None

    def kafka_python(self) -> dict[str, Any]:
        """Keyword arguments for kafka-python's KafkaConsumer, KafkaProducer and admin client."""
        options: dict[str, Any] = {
            "security_protocol": PROTOCOL,
            "sasl_mechanism": MECHANISM,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password.get_secret_value(),
            "ssl_check_hostname": True,
        }
        if self.ca_file is not None:
            options["ssl_cafile"] = str(self.ca_file)
        return options

    def librdkafka(self) -> dict[str, Any]:
        """Settings for a confluent-kafka (librdkafka) client."""
        options: dict[str, Any] = {
            "security.protocol": PROTOCOL,
            "sasl.mechanism": MECHANISM,
            "sasl.username": self.username,
            "sasl.password": self.password.get_secret_value(),
            "ssl.endpoint.identification.algorithm": "https",
        }
        if self.ca_file is not None:
            options["ssl.ca.location"] = str(self.ca_file)
        return options
