"""The embedded AWS of `make local`: a moto server on 127.0.0.1 and the accounts in it.

Two emulated accounts, as docs/local.md describes: the trusting account
111122223333 and the trusted account 444455556666. moto picks the account of
a call from the caller's access key, so each account gets a ``deployer`` user
(AdministratorAccess, one access key) whose keys the stack of that account
deploys with. The trusted account also gets the callers make local checks:
IAM users with an access key, groups with one member each, and IAM roles,
each assumed once here to give make local a role session to act as.
Setup calls name the account with moto's ``x-moto-account-id`` header, with
IAM authentication still off (moto evaluates the trust policy of a role of the
caller's own account only with authentication on, and then matches principals
literally, so an account's root does not cover its users; across accounts it
never does); ``enable_authentication`` then turns it on, so that every later
call is checked against the caller's own policies.

The server is held by its process id, recorded in ``.pulumi-local/emulator.json``
with its URL and the Python that started it; ``stop`` signals that pid only
while its command line is still exactly the one ``start`` ran for that URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
REGION = "us-east-1"
ACCOUNT_HEADER = "x-moto-account-id"
DEPLOYER = "deployer"
AUDITOR = "cross-account-auditor"
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
NEVER_ASSUME = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]}
)
"""The trusted account's deployer: denied sts:AssumeRole, whatever AdministratorAccess allows."""
DEMO_BUCKET = "trusting-account-reports"
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
ROLE_SESSION_NAME = "make-local"
URL_RE = re.compile(r"http://127\.0\.0\.1:([0-9]{1,5})", re.ASCII)
PID_MAX = 2**31 - 1
RECORD_KEYS = ("pid", "url", "python")


class EmulatorError(RuntimeError):
    """The emulator could not be started, reached or set up."""


@dataclass(frozen=True)
class AccessKey:
    """An IAM user's access key, or a role session's credentials (with its token)."""

    id: str
    secret: str
    token: str | None = None

    def env(self) -> dict[str, str]:
        env = {"AWS_ACCESS_KEY_ID": self.id, "AWS_SECRET_ACCESS_KEY": self.secret}
        if self.token is not None:
            env["AWS_SESSION_TOKEN"] = self.token
        return env


@dataclass(frozen=True)
class Server:
    """A running moto server: its process id, URL and Python (recorded in .pulumi-local/emulator.json)."""

    pid: int
    url: str
    python: str = sys.executable

    @property
    def command(self) -> tuple[str, ...]:
        """The exact command line ``start`` ran for this URL."""
        match = URL_RE.fullmatch(self.url)
        port = match[1] if match else "?"
        return (self.python, "-m", "moto.server", "-H", HOST, "-p", port)


@dataclass(frozen=True)
class Accounts:
    """What the setup created: the deployers' keys per account, the trusted account's callers and their keys."""

    deployers: dict[str, AccessKey]
    people: dict[str, AccessKey]
    """User name -> access key, in the trusted account."""
    groups: dict[str, str]
    """Group name -> the member user made for it."""
    roles: dict[str, AccessKey] = field(default_factory=dict)
    """Role name -> the credentials of a session of that role, in the trusted account."""
    auditors: dict[str, AccessKey] = field(default_factory=dict)
    """Account id -> the key of its read-only auditor (cross-account-audit reads the account with it)."""


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
    server = Server(process.pid, f"http://{HOST}:{port}", python)
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


def running_command(pid: int) -> tuple[str, ...] | None:
    """The command line process ``pid`` runs now (None when no such process runs).

    From /proc/<pid>/cmdline where there is a /proc (Linux), else from ``ps`` (macOS), whose
    words are split at spaces: a path with a space then never matches, and nothing is stopped.
    """
    if Path("/proc/self/cmdline").exists():
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        if not raw:  # a zombie, or a kernel thread
            return None if not _alive(pid) else ("<no command line>",)
        return tuple(part.decode(errors="replace") for part in raw.rstrip(b"\0").split(b"\0"))
    done = subprocess.run(
        ["ps", "-ww", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    words = tuple(done.stdout.split())
    return words if done.returncode == 0 and words else None


def is_emulator(server: Server) -> bool:
    """Whether the recorded pid still runs exactly the moto server ``start`` ran for the recorded URL."""
    return URL_RE.fullmatch(server.url) is not None and running_command(server.pid) == server.command


def stop(server: Server) -> bool:
    """Stop the recorded server, only while its pid runs the command ``start`` ran; True if it was stopped.

    Anything else at that pid (the server exited and the pid was reused) is left alone.
    """
    if not is_emulator(server):
        return False
    os.kill(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while _alive(server.pid) and time.monotonic() < deadline:
        _reap(server.pid)
        time.sleep(0.1)
    if _alive(server.pid) and is_emulator(server):
        os.kill(server.pid, signal.SIGKILL)
        _reap(server.pid)
    return True


def record(path: Path, server: Server) -> None:
    path.write_text(json.dumps(asdict(server)) + "\n")


def _record_problem(data: Any) -> str | None:
    """What is wrong with a parsed record, or None."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__} where an object with pid, url and python belongs"
    unknown = sorted(set(data) - set(RECORD_KEYS))
    if unknown:
        return f"unknown keys {unknown}"
    for key in ("pid", "url"):
        if key not in data:
            return f'no "{key}"'
    pid = data["pid"]
    if isinstance(pid, bool) or not isinstance(pid, int) or not 0 < pid <= PID_MAX:
        return f'"pid" is {pid!r}, not a process id (an integer from 1 to {PID_MAX})'
    url = data["url"]
    match = URL_RE.fullmatch(url) if isinstance(url, str) else None
    if match is None or not 0 < int(match[1]) < 65536:
        return f'"url" is {url!r}, not http://{HOST}:<port>'
    python = data.get("python", sys.executable)
    if not isinstance(python, str) or not python.startswith("/") or not python.isprintable():
        return f'"python" is {python!r}, not the absolute path of a Python'
    return None


def recorded(path: Path) -> Server | None:
    """The server a previous run recorded, None if there is no record; EmulatorError if it is corrupt."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        problem: str | None = f"not JSON: {error.msg} at line {error.lineno} column {error.colno}"
    except UnicodeDecodeError:
        problem = "not JSON: not UTF-8 text"
    except OSError as error:
        problem = f"unreadable: {error.strerror}"
    else:
        problem = _record_problem(data)
    if problem is not None:
        raise EmulatorError(
            f"{path} is corrupt ({problem}): delete it with `rm {path}`, "
            f"or all that make local made with `rm -r {path.parent}`"
        )
    return Server(pid=data["pid"], url=data["url"], python=data.get("python", sys.executable))


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


def auditor_policy() -> str:
    """What the auditor may do: the actions of cross-account-audit's read-only policy (docs/audit.md).

    moto matches a statement's Resource only for role actions and sees ``*`` as the resource of
    every other IAM call, so here each statement applies to ``*``: the same actions, which is what
    moto checks.
    """
    from cross_account.audit import read_only_policy

    policy = read_only_policy()
    return json.dumps({**policy, "Statement": [{**s, "Resource": "*"} for s in policy["Statement"]]})


def member_of(group: str) -> str:
    """The user made to stand for the members of ``group`` (an IAM user name, at most 64 characters)."""
    return f"{group}-member"[:64]


def _trusts_the_account(account_id: str) -> str:
    """The trust policy of a role make local creates in the trusted account: that account may assume it."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def set_up(
    url: str,
    trusting_account: str,
    trusted_account: str,
    users: Sequence[str],
    groups: Sequence[str],
    roles: Sequence[str] = (),
) -> Accounts:
    """Create the deployers and auditors, the trusted account's callers and a bucket with one object in the trusting account.

    ``users`` get an access key each; each of ``groups`` is created with one member (a user
    made for it, see ``member_of``); each of ``roles`` is created (trusting its own account)
    and assumed once with setup credentials, while authentication is off.
    """
    import boto3  # type: ignore[import-untyped]

    deployers, auditors = {}, {}
    for account in (trusting_account, trusted_account):
        iam = _client(boto3, url, account, "iam")
        deployers[account] = _user_with_key(iam, DEPLOYER)
        iam.attach_user_policy(UserName=DEPLOYER, PolicyArn=ADMINISTRATOR_ACCESS)
        if account == trusted_account:
            # It deploys the grant and never uses it: an administrator of the trusted account may
            # otherwise assume the role too, which cross-account-audit reports (other-principal-may-assume).
            iam.put_user_policy(UserName=DEPLOYER, PolicyName="never-assume", PolicyDocument=NEVER_ASSUME)
        auditors[account] = _user_with_key(iam, AUDITOR)
        iam.put_user_policy(
            UserName=AUDITOR, PolicyName="cross-account-audit", PolicyDocument=auditor_policy()
        )
    trusted = _client(boto3, url, trusted_account, "iam")
    people = {user: _user_with_key(trusted, user) for user in dict.fromkeys(users)}
    members = {}
    for group in groups:
        trusted.create_group(GroupName=group)
        member = member_of(group)
        if member not in people:
            people[member] = _user_with_key(trusted, member)
        trusted.add_user_to_group(GroupName=group, UserName=member)
        members[group] = member
    sessions = {}
    sts = _client(boto3, url, trusted_account, "sts")
    for role in dict.fromkeys(roles):
        arn = trusted.create_role(
            RoleName=role, AssumeRolePolicyDocument=_trusts_the_account(trusted_account)
        )
        credentials = sts.assume_role(RoleArn=arn["Role"]["Arn"], RoleSessionName=ROLE_SESSION_NAME)
        key = credentials["Credentials"]
        sessions[role] = AccessKey(key["AccessKeyId"], key["SecretAccessKey"], key["SessionToken"])
    s3 = _client(boto3, url, trusting_account, "s3")
    s3.create_bucket(Bucket=DEMO_BUCKET)
    s3.put_object(Bucket=DEMO_BUCKET, Key="hello.txt", Body=b"read through the cross-account role\n")
    return Accounts(deployers=deployers, people=people, groups=members, roles=sessions, auditors=auditors)
