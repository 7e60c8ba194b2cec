"""A Redis Cluster of three masters on loopback, from the OS package, with the service users.

Each node runs `redis-server --cluster-enabled yes` with the same ACL file, so every service
user exists on every node. `redis-cli --cluster create` needs the `CLUSTER` commands, which
no service user may run: the nodes start with an ACL file that leaves the default user on,
the cluster is created as that user, and then each node loads the real ACL file (default
user off). Node-to-node traffic uses the cluster bus (port + 10000), which has no login.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from devtools.localstack.errors import StackError
from devtools.localstack.servers import (
    Server,
    port_in_use,
    redis_server_binary,
    spawn,
    stop,
    wait_until_ready,
)

BUS_OFFSET = 10000  # Redis's cluster bus listens on the client port + 10000
_SETUP_ACL = "user default on nopass ~* &* +@all\n"


@dataclass(frozen=True)
class RedisCluster:
    """The nodes of a running cluster."""

    nodes: tuple[Server, ...]

    @property
    def url(self) -> str:
        """A seed node's URL (a cluster client discovers the others from it)."""
        return f"redis://127.0.0.1:{self.nodes[0].port}/0"

    def stop(self) -> None:
        for node in self.nodes:
            stop(node.pid)


def free_cluster_ports(count: int) -> list[int]:
    """Client ports whose cluster bus port (+10000) is free too."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + BUS_OFFSET < 65536 and not port_in_use(port + BUS_OFFSET) and port not in ports:
            ports.append(port)
    return ports


def start_redis_cluster(
    data_dir: Path, *, ports: list[int], acl: str, timeout: float = 30.0
) -> RedisCluster:
    """Start one master per port, join them into a cluster covering every slot, then lock
    the nodes down to the users of ``acl`` (the text of `redis_acls.acl_file`)."""
    binary = redis_server_binary()
    cli = shutil.which("redis-cli") or str(Path(binary).with_name("redis-cli"))
    nodes: list[Server] = []
    try:
        for port in ports:
            nodes.append(_start_node(binary, data_dir / f"node-{port}", port, timeout))
        addresses = [f"127.0.0.1:{p}" for p in ports]
        created = subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if created.returncode != 0:
            raise StackError(
                f"redis-cli --cluster create failed:\n{created.stdout}{created.stderr}"
            )
        _wait_cluster_ok(cli, ports, timeout)
        for node in nodes:
            (node.data_dir / "users.acl").write_text(acl)
            _cli(cli, node.port, "ACL", "LOAD")
    except BaseException:
        for node in nodes:
            stop(node.pid)
        raise
    return RedisCluster(tuple(nodes))


def _start_node(binary: str, data_dir: Path, port: int, timeout: float) -> Server:
    data_dir.mkdir(parents=True, exist_ok=True)
    acl_file = data_dir / "users.acl"
    acl_file.write_text(_SETUP_ACL)
    acl_file.chmod(0o600)
    log = data_dir / "redis.log"
    cmd = [
        binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir),
        "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
        "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
        "--daemonize", "no", "--logfile", str(log), "--protected-mode", "yes",
        "--aclfile", str(acl_file),
    ]  # fmt: skip
    pid = spawn(cmd, log=data_dir / "redis.stdout")
    server = Server("redis", pid, port, data_dir, log)
    wait_until_ready(server, lambda: port_in_use(port), timeout, log)
    return server


def _cli(cli: str, port: int, *command: str) -> str:
    done = subprocess.run(
        [cli, "-p", str(port), *command], capture_output=True, text=True, timeout=10, check=False
    )
    if done.returncode != 0 or done.stdout.startswith("ERR"):
        raise StackError(f"redis-cli -p {port} {' '.join(command)}: {done.stdout}{done.stderr}")
    return done.stdout


def _wait_cluster_ok(cli: str, ports: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        states = [_cli(cli, port, "CLUSTER", "INFO") for port in ports]
        if all("cluster_state:ok" in state for state in states):
            return
        if time.monotonic() > deadline:
            raise StackError(f"the Redis cluster did not become ready: {states}")
        time.sleep(0.2)
