"""The embedded AWS of `make local`: a moto server on 127.0.0.1 and the accounts in it.

Two emulated accounts, as docs/local.md describes: the trusting account
111111111111 and the trusted account 222222222222. moto picks the account of
a call from the caller's access key, so each account gets a ``deployer`` user
(AdministratorAccess, one access key) whose keys the stack of that account
deploys with. The trusted account also gets the people the trusted stack
attaches its policy to: the users it names, and one member per group it names.
Setup calls name the account with moto's ``x-moto-account-id`` header, with
IAM authentication still off; ``enable_authentication`` then turns it on, so
that every later call is checked against the caller's own policies.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
REGION = "us-east-1"
ACCOUNT_HEADER = "x-moto-account-id"
DEPLOYER = "deployer"
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
DEMO_BUCKET = "trusting-account-reports"
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


class EmulatorError(RuntimeError):
    """The emulator could not be started, reached or set up."""


@dataclass(frozen=True)
class AccessKey:
    id: str
    secret: str

    def env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.id, "AWS_SECRET_ACCESS_KEY": self.secret}


@dataclass(frozen=True)
class Server:
    """A running moto server: its process id and URL (recorded in .pulumi-local/emulator.json)."""

    pid: int
    url: str


@dataclass(frozen=True)
class Accounts:
    """What the setup created: the deployers' keys per account, the trusted people and their keys."""

    deployers: dict[str, AccessKey]
    people: dict[str, AccessKey]
    """User name -> access key, in the trusted account."""
    groups: dict[str, str]
    """Group name -> the member user made for it."""


# The server process ------------------------------------------------------------


def free_port(host: str = HOST) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def responds(url: str, timeout: float = 2.0) -> bool:
    """Whether a moto server answers at ``url`` (its /moto-api/config endpoint, a JSON object)."""
    try:
        with urllib.request.urlopen(f"{url}/moto-api/config", timeout=timeout) as response:
            return isinstance(json.loads(response.read()), dict)
    except (OSError, ValueError):
        return False


def start(log_path: Path, port: int | None = None, python: str = sys.executable) -> Server:
    """Start `python -m moto.server` on 127.0.0.1 with AWS's managed policies; wait until it answers."""
    port = port or free_port()
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [python, "-m", "moto.server", "-H", HOST, "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    server = Server(process.pid, f"http://{HOST}:{port}")
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not responds(server.url, timeout=1.0):
        if process.poll() is not None:
            raise EmulatorError(f"moto server exited with {process.returncode}: see {log_path}")
        if time.monotonic() > deadline:
            stop(server)
            raise EmulatorError(f"moto server did not answer at {server.url} in {READY_TIMEOUT_SECONDS:g}s")
        time.sleep(0.2)
    return server


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):  # not our child: whoever started it reaps it
        os.waitpid(pid, os.WNOHANG)


def stop(server: Server) -> bool:
    """Stop the recorded server, only if a moto server still answers at its URL; True if one was stopped."""
    if not _alive(server.pid) or not responds(server.url):
        return False
    os.kill(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while _alive(server.pid) and time.monotonic() < deadline:
        _reap(server.pid)
        time.sleep(0.1)
    if _alive(server.pid):
        os.kill(server.pid, signal.SIGKILL)
        _reap(server.pid)
    return True


def record(path: Path, server: Server) -> None:
    path.write_text(json.dumps(asdict(server)) + "\n")


def recorded(path: Path) -> Server | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return Server(pid=int(data["pid"]), url=str(data["url"]))


# The accounts --------------------------------------------------------------------


def post(url: str, body: bytes) -> None:
    """POST to moto's own API (a form content type would hide the body from it)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=10):
        pass


def enable_authentication(url: str) -> None:
    """From now on moto checks every call against the caller's IAM policies."""
    post(f"{url}/moto-api/reset-auth", b"0")


def _client(boto3: Any, url: str, account_id: str, service: str) -> Any:
    session = boto3.Session(aws_access_key_id="setup", aws_secret_access_key="setup", region_name=REGION)

    def name_the_account(request: Any, **_: Any) -> None:
        request.headers[ACCOUNT_HEADER] = account_id

    session.events.register("before-sign.*.*", name_the_account)
    return session.client(service, endpoint_url=url)


def _user_with_key(iam: Any, name: str) -> AccessKey:
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return AccessKey(key["AccessKeyId"], key["SecretAccessKey"])


def member_of(group: str) -> str:
    """The user made to stand for the members of ``group`` (an IAM user name, at most 64 characters)."""
    return f"{group}-member"[:64]


def set_up(
    url: str,
    trusting_account: str,
    trusted_account: str,
    users: Sequence[str],
    groups: Sequence[str],
) -> Accounts:
    """Create the deployers, the trusted people and a bucket with one object in the trusting account."""
    import boto3  # type: ignore[import-untyped]

    deployers = {}
    for account in (trusting_account, trusted_account):
        iam = _client(boto3, url, account, "iam")
        deployers[account] = _user_with_key(iam, DEPLOYER)
        iam.attach_user_policy(UserName=DEPLOYER, PolicyArn=ADMINISTRATOR_ACCESS)
    trusted = _client(boto3, url, trusted_account, "iam")
    people = {user: _user_with_key(trusted, user) for user in users}
    members = {}
    for group in groups:
        trusted.create_group(GroupName=group)
        member = member_of(group)
        if member not in people:
            people[member] = _user_with_key(trusted, member)
        trusted.add_user_to_group(GroupName=group, UserName=member)
        members[group] = member
    s3 = _client(boto3, url, trusting_account, "s3")
    s3.create_bucket(Bucket=DEMO_BUCKET)
    s3.put_object(Bucket=DEMO_BUCKET, Key="hello.txt", Body=b"read through the cross-account role\n")
    return Accounts(deployers=deployers, people=people, groups=members)
