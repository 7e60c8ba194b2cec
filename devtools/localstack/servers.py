"""Real Kafka (KRaft, from Maven Central jars) and Redis (OS package) on this machine, no Docker.

Used by `make up`/`make down`, `make demo` and the test fixtures. Each server runs as a
detached process with its data, config and log in a folder of its own; `start_*` returns
only when the server answers (Kafka: a metadata request; Redis: PING) and otherwise raises
`StackError` with the tail of the server's log.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from devtools.localstack.credentials import BROKER_NAME, StackSecrets
from devtools.localstack.errors import StackError
from services.platform.kafka_auth import MECHANISM, KafkaAuth

REPO_ROOT = Path(__file__).resolve().parents[2]
POM = REPO_ROOT / "deploy" / "local" / "pom.xml"
DEFAULT_CACHE = REPO_ROOT / ".cache"

_LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
logger.apache.name = org.apache.kafka
logger.apache.level = warn
"""


@dataclass(frozen=True, slots=True)
class Server:
    """A running local server: what it is, where it listens and how to stop it."""

    name: str
    pid: int
    port: int
    data_dir: Path
    log: Path


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """True when something already accepts connections on this loopback port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def _claim(name: str, *ports: int) -> None:
    for port in ports:
        if port_in_use(port):
            raise StackError(
                f"cannot start {name}: port {port} is already in use by another process "
                "(another stack? `vaxshare stack status`, or stop what listens there)"
            )


def is_alive(pid: int) -> bool:
    """True when a process with this pid exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def spawn(cmd: list[str], *, log: Path, env: dict[str, str] | None = None) -> int:
    """Start a detached process (own session) writing to a log; return its pid.

    `posix_spawn` rather than `Popen`: the servers outlive the process that starts them (that
    is the point of `make up`), and a Popen object left behind would report a leak.
    """
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        return os.posix_spawn(
            cmd[0],
            cmd,
            os.environ if env is None else env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, fd, 1),
                (os.POSIX_SPAWN_DUP2, fd, 2),
            ],
            setsid=True,
        )
    finally:
        os.close(fd)


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, for error messages."""
    if not path.exists():
        return "(no log written)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# --- Kafka -------------------------------------------------------------------------------


def kafka_libs(cache_dir: Path = DEFAULT_CACHE) -> Path:
    """Resolve the Kafka broker jars with Maven into the cache (once) and return the folder."""
    version = _pom_property("kafka.version")
    libs = cache_dir / f"kafka-{version}" / "libs"
    marker = libs / ".complete"
    if marker.exists():
        return libs
    if shutil.which("mvn") is None:
        raise StackError("Maven (mvn) is needed to fetch the Kafka jars: apt-get install maven")
    libs.mkdir(parents=True, exist_ok=True)
    cmd = [
        "mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
        f"-DoutputDirectory={libs}", "-DincludeScope=runtime",
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(f"mvn could not resolve Kafka {version}:\n{result.stdout[-3000:]}")
    marker.write_text(version)
    return libs


def _pom_property(name: str) -> str:
    text = POM.read_text()
    start = text.index(f"<{name}>") + len(name) + 2
    return text[start : text.index(f"</{name}>", start)]


def _kafka_properties(
    port: int, controller_port: int, data_dir: Path, secrets: StackSecrets
) -> str:
    """One node, secured: clients over SASL_SSL (SCRAM-SHA-512), the controller over mutual TLS.

    The StandardAuthorizer denies whatever no ACL allows; only the broker itself (its
    certificate) and the stack's `admin` principal are super users.
    """
    admin = secrets.kafka_passwords["admin"]
    return f"""\
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{controller_port}
listeners=CLIENTS://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=CLIENTS://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=CLIENTS
listener.security.protocol.map=CONTROLLER:SSL,CLIENTS:SASL_SSL
sasl.enabled.mechanisms={MECHANISM}
sasl.mechanism.inter.broker.protocol={MECHANISM}
listener.name.clients.scram-sha-512.sasl.jaas.config=\
org.apache.kafka.common.security.scram.ScramLoginModule required \
username="admin" password="{admin}";
ssl.keystore.type=PEM
ssl.keystore.location={secrets.broker_keystore}
ssl.truststore.type=PEM
ssl.truststore.location={secrets.ca_file}
listener.name.controller.ssl.client.auth=required
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:CN={BROKER_NAME}
allow.everyone.if.no.acl.found=false
log.dirs={data_dir / "log"}
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=-1
"""


def _java(libs: Path, log_config: Path, heap: str) -> list[str]:
    java = shutil.which("java")
    if java is None:
        raise StackError("Java 17+ is needed to run Kafka: apt-get install openjdk-17-jre-headless")
    return [
        java, f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={log_config}", "-cp", f"{libs}/*",
    ]  # fmt: skip


def start_kafka(
    data_dir: Path,
    *,
    secrets: StackSecrets,
    port: int,
    controller_port: int | None = None,
    cache_dir: Path = DEFAULT_CACHE,
    heap: str = "768m",
    timeout: float = 90.0,
) -> Server:
    """Start a one-node KRaft Kafka (broker+controller) and wait until it answers metadata.

    A new data folder is formatted with every principal's SCRAM credentials (KRaft keeps
    them in its metadata log); `admin` then grants the ACLs (`kafka_acls.apply_grants`).
    """
    libs = kafka_libs(cache_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "kafka.log"
    config = data_dir / "server.properties"
    log_config = data_dir / "log4j2.properties"
    if controller_port is None:
        controller_port = free_port()
    _claim("Kafka", port, controller_port)
    config.write_text(_kafka_properties(port, controller_port, data_dir, secrets))
    config.chmod(0o600)
    log_config.write_text(_LOG4J2.format(log=log))
    if not (data_dir / "log" / "meta.properties").exists():
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        fmt = [
            *_java(libs, log_config, "256m"),
            "kafka.tools.StorageTool", "format", "--standalone",
            f"--cluster-id={cluster_id}", "-c", str(config),
        ]  # fmt: skip
        for name, password in secrets.kafka_passwords.items():
            fmt += ["--add-scram", f"{MECHANISM}=[name={name},password={password}]"]
        result = subprocess.run(fmt, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise StackError(f"Kafka storage format failed:\n{result.stdout}{result.stderr}")
    pid = spawn(
        [*_java(libs, log_config, heap), "kafka.Kafka", str(config)],
        log=data_dir / "kafka.stdout",
    )
    server = Server("kafka", pid, port, data_dir, log)
    admin = KafkaAuth("admin", SecretStr(secrets.kafka_passwords["admin"]), secrets.ca_file)
    wait_until_ready(server, lambda: _kafka_ready(port, admin), timeout, data_dir / "kafka.stdout")
    return server


def _kafka_ready(port: int, auth: KafkaAuth) -> bool:
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:  # a cheap check first: the admin client leaks its socket when the broker is down
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=f"127.0.0.1:{port}",
            request_timeout_ms=3000,
            **auth.kafka_python(),
        )
    except (KafkaError, OSError, ValueError):
        return False
    try:
        admin.list_topics()
        return True
    except (KafkaError, OSError):
        return False
    finally:
        admin.close()


# --- Redis -------------------------------------------------------------------------------


def redis_server_binary() -> str:
    """Find redis-server, installing the OS package when missing and running as root."""
    found = shutil.which("redis-server")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "redis-server"],
            check=False,
            env=env,
            capture_output=True,
        )
        found = shutil.which("redis-server")
        if found:
            return found
    raise StackError(
        "redis-server (Redis 7) is not installed: run `sudo apt-get install redis-server` "
        "(Debian/Ubuntu) or install Redis 7 from your OS packages"
    )


@dataclass(frozen=True, slots=True)
class RedisTls:
    """Redis's certificate and key, and the CA its clients check it against."""

    cert: Path
    key: Path
    ca: Path


def start_redis(
    data_dir: Path, *, port: int, acl: str, tls: RedisTls | None = None, timeout: float = 20.0
) -> Server:
    """Start redis-server with an append-only file (fsync every second) on loopback.

    `acl` is the text of its ACL file (`redis_acls.acl_file`): only those users may log in.
    With `tls`, `port` speaks TLS only (clients need not show a certificate) and nothing
    listens in plain text.
    """
    binary = redis_server_binary()
    _claim("Redis", port)
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "redis.log"
    acl_file = data_dir / "users.acl"
    acl_file.write_text(acl)
    acl_file.chmod(0o600)
    listen = ["--port", str(port)]
    if tls is not None:
        listen = [
            "--port", "0", "--tls-port", str(port), "--tls-cert-file", str(tls.cert),
            "--tls-key-file", str(tls.key), "--tls-ca-cert-file", str(tls.ca),
            "--tls-auth-clients", "no",
        ]  # fmt: skip
    cmd = [
        binary, *listen, "--bind", "127.0.0.1", "--dir", str(data_dir),
        "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
        "--daemonize", "no", "--logfile", str(log), "--protected-mode", "yes",
        "--aclfile", str(acl_file),
    ]  # fmt: skip
    pid = spawn(cmd, log=data_dir / "redis.stdout")
    server = Server("redis", pid, port, data_dir, log)
    wait_until_ready(server, lambda: _redis_ready(port, tls), timeout, log)
    return server


def _redis_ready(port: int, tls: RedisTls | None) -> bool:
    import redis

    secure = {} if tls is None else {"ssl": True, "ssl_ca_certs": str(tls.ca)}
    client = redis.Redis(port=port, socket_timeout=1, **secure)  # type: ignore[arg-type]
    try:
        return bool(client.ping())
    except (redis.AuthenticationError, redis.ResponseError):
        return True  # it answers, and wants a login: the default user is off
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


# --- shared ------------------------------------------------------------------------------


def wait_until_ready(server: Server, ready: object, timeout: float, log: Path) -> None:
    """Wait for ``ready()``; a server that exits or stays unready is stopped and reported."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(server.pid):
            raise StackError(f"{server.name} exited while starting; last log lines:\n{tail(log)}")
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.3)
    stop(server.pid)
    raise StackError(
        f"{server.name} did not become ready on port {server.port} within {timeout:.0f}s; "
        f"last log lines:\n{tail(log)}\n{tail(server.log)}"
    )


def stop(pid: int, *, timeout: float = 30.0) -> None:
    """Stop a server: SIGTERM, wait, then SIGKILL if it will not go."""
    _reap(pid)
    if not is_alive(pid):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not is_alive(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
