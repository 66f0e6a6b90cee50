"""How cross-account-audit reads the accounts: a session per account, IAM reads, pages, in parallel."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from .audit_documents import document_of
from .audit_options import PROG, Options
from .audit_outputs import WantedRole
from .connection import Calls, Progress, SetupError, UsageError, error_code, operation_name
from .profile_sessions import ProfileSessions

R = TypeVar("R")

DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})


def read_only_policy(partition: str = "aws") -> dict[str, Any]:
    """The identity policy the audit's credentials need in every account it reads (docs/audit.md)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadRoles",
                "Effect": "Allow",
                "Action": [
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListRolePolicies",
                ],
                "Resource": f"arn:{partition}:iam::*:role/*",
            },
            {
                "Sid": "ReadPolicies",
                "Effect": "Allow",
                "Action": ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListEntitiesForPolicy"],
                "Resource": f"arn:{partition}:iam::*:policy/*",
            },
            {
                "Sid": "ReadPrincipals",
                "Effect": "Allow",
                "Action": ["iam:GetGroup", "iam:GetUser"],
                "Resource": [f"arn:{partition}:iam::*:group/*", f"arn:{partition}:iam::*:user/*"],
            },
            {
                # Who else may assume the roles: every user, group and role of a trusted account with
                # their policies, in one paged read. It takes no resource (IAM Service Authorization
                # Reference, "Actions defined by AWS Identity and Access Management": no resource type).
                "Sid": "ReadWhoMayAssume",
                "Effect": "Allow",
                "Action": "iam:GetAccountAuthorizationDetails",
                "Resource": "*",
            },
        ],
    }


class NotFound(Exception):
    """IAM answered NoSuchEntity."""


class AuditReads:
    """What one run keeps, and how it reads: a session per account, each IAM read, its pages."""

    def __init__(
        self,
        options: Options,
        boto3: Any,
        *,
        now: datetime | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] = lambda line: None,
        progress: Progress | None = None,
    ) -> None:
        self.options = options
        self.calls = Calls(options, boto3, clock, sleep, log, progress)
        self.now = now or datetime.now(UTC)
        self.lock = threading.Lock()
        self.factory: Any = None
        self.base_credentials: dict[str, str] | None = None
        self.base_caller = ""
        self.seen_secrets = self.calls.seen_secrets
        """Every secret met: credentials and external ids (hidden in every line of stderr)."""
        self.external_ids: set[str] = set()
        """The live external ids: the only secrets IAM's answers, and so the report, can hold."""
        self.known_accounts: set[str] = set()
        """The accounts the stacks name: a principal of another account is outside the organisation."""
        self.trusting: dict[str, list[WantedRole]] = {}
        """Trusted account -> the roles whose trust policy names it."""
        self.aws_managed_documents: dict[str, Any] = {}
        self.profile_sessions: ProfileSessions | None = None

    # sessions --------------------------------------------------------------------------

    def _frozen(self, session: Any, what: str) -> dict[str, str]:
        """The session's credentials, resolved now (a profile's role assumed, its process run)."""
        errors = self.calls.errors
        try:
            credentials = session.get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials is not None else None
        except errors.ClientError as error:  # a profile's role_arn refused
            raise SetupError(
                f"{what}: the credentials cannot be used: {self.calls.describe(error)}"
            ) from None
        except (errors.BotoCoreError, ValueError, OSError) as error:
            # Only the kind: a credential process's own words may repeat what it printed.
            raise SetupError(
                f"{what}: the credentials cannot be used: {type(error).__name__} (check the profile's "
                "credential_process, role_arn or SSO session)"
            ) from None
        if frozen is None:
            raise SetupError(
                f"{what}: no AWS credentials: set AWS_PROFILE or pass --profile, --profile-for or export "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
            )
        values = {"aws_access_key_id": frozen.access_key, "aws_secret_access_key": frozen.secret_key}
        if frozen.token:
            values["aws_session_token"] = frozen.token
        return self._secret(values)

    def _secret(self, credentials: dict[str, str]) -> dict[str, str]:
        """``credentials``, each value hidden from every line printed from now on."""
        self.seen_secrets.update(v for v in credentials.values() if v)
        return credentials

    def client(self, service: str, credentials: Mapping[str, str]) -> Any:
        with self.lock:  # boto3 sessions are not thread-safe; their clients are
            return self.calls.client(self.factory, service, **credentials)

    def start(self, accounts: Iterable[str]) -> None:
        """The shared client factory, and the caller's own credentials when an account needs them."""
        self.factory = self.calls.session(region_name=self.options.region)
        profiles = dict(self.options.profile_for)
        if all(a in profiles for a in accounts):
            return
        base = self.calls.session(profile_name=self.options.profile, region_name=self.options.region)
        self.base_credentials = self._frozen(base, "the caller")
        self.base_caller = self.caller(self.base_credentials, "the caller")

    def caller(self, credentials: Mapping[str, str], what: str) -> str:
        sts = self.client("sts", credentials)
        try:
            return str(self.calls.call_with(sts, "get_caller_identity")["Arn"])
        except self.calls.errors.ClientError as error:
            raise SetupError(f"{what}: the credentials do not work: {self.calls.describe(error)}") from None

    def account_credentials(self, account: str, partition: str) -> tuple[dict[str, str], str]:
        """The credentials that read ``account`` and whose they are, checked to be of that account."""
        errors = self.calls.errors
        profiles = dict(self.options.profile_for)
        if account in profiles:
            what = f"--profile-for {account}={profiles[account]}"
            try:
                with self.lock:
                    if self.profile_sessions is None:
                        self.profile_sessions = ProfileSessions(self.calls.boto3)
                    session = self.profile_sessions.session(profiles[account])
            except errors.ProfileNotFound as error:
                raise UsageError(f"{what}: {self.calls.describe(error)}") from None
            except errors.BotoCoreError as error:
                raise SetupError(
                    f"{what}: the credentials cannot be used: {self.calls.describe(error)}"
                ) from None
            credentials = self._frozen(session, what)
        elif self.options.assume_role_name is not None:
            assert self.base_credentials is not None
            role = f"arn:{partition}:iam::{account}:role/{self.options.assume_role_name}"
            what = f"--assume-role-name: sts:AssumeRole on {role} as {self.base_caller}"
            sts = self.client("sts", self.base_credentials)
            try:
                given = self.calls.call_with(sts, "assume_role", RoleArn=role, RoleSessionName=PROG)[
                    "Credentials"
                ]
            except errors.ClientError as error:
                raise SetupError(f"{what}: {self.calls.describe(error)}") from None
            credentials = self._secret(
                {
                    "aws_access_key_id": given["AccessKeyId"],
                    "aws_secret_access_key": given["SecretAccessKey"],
                    "aws_session_token": given["SessionToken"],
                }
            )
        else:
            assert self.base_credentials is not None
            what = "the caller"
            credentials = self.base_credentials
        caller = self.caller(credentials, what)
        seen = caller.split(":")[4] if caller.count(":") >= 5 else "?"
        if seen != account:
            raise SetupError(
                f"account {account}: {what} is {caller}, of account {seen}: read {account} with "
                f"--profile-for {account}=PROFILE or --assume-role-name NAME"
            )
        return credentials, caller

    # calls -----------------------------------------------------------------------------------

    def read(self, iam: Any, caller: str, operation: str, resource: str, **params: Any) -> Any:
        """One IAM read; NoSuchEntity raises NotFound, a refusal or any other error is a SetupError."""
        errors = self.calls.errors
        try:
            return self.calls.call_with(iam, operation, **params)
        except errors.ClientError as error:
            code = error_code(error)
            if code == "NoSuchEntity":
                raise NotFound(resource) from None
            action = "iam:" + operation_name(operation)
            hint = ": the audit needs the read-only policy of docs/audit.md" if code in DENIED_CODES else ""
            raise SetupError(
                f"{action} on {resource} as {caller}: {self.calls.describe(error)}{hint}"
            ) from None
        except errors.BotoCoreError as error:
            raise SetupError(
                f"iam:{operation_name(operation)} on {resource}: {self.calls.describe(error)}"
            ) from None

    def pages(
        self, iam: Any, caller: str, operation: str, resource: str, key: str, **params: Any
    ) -> list[Any]:
        return self.paged(iam, caller, operation, resource, (key,), **params)[key]

    def paged(
        self, iam: Any, caller: str, operation: str, resource: str, keys: Sequence[str], **params: Any
    ) -> dict[str, list[Any]]:
        """Every page of a read, the lists under ``keys`` joined. A marker IAM gave before (an answer
        that would page forever) ends the run as a setup error naming the call."""
        items: dict[str, list[Any]] = {key: [] for key in keys}
        seen: set[str] = set()
        while True:
            page = self.read(iam, caller, operation, resource, **params)
            for key in keys:
                items[key] += page.get(key) or []
            if not page.get("IsTruncated"):
                return items
            marker = page.get("Marker")
            if not isinstance(marker, str) or not marker or marker in seen:
                what = "no marker" if not isinstance(marker, str) or not marker else "a marker it gave before"
                raise SetupError(
                    f"iam:{operation_name(operation)} on {resource} as {caller}: {iam.meta.endpoint_url} "
                    f"answered a truncated page with {what} (page {len(seen) + 1}): the read would never end"
                )
            seen.add(marker)
            params["Marker"] = marker

    # who else may assume the roles -----------------------------------------------------------

    def authorization_details(self, iam: Any, caller: str, account: str) -> dict[str, list[Any]]:
        """Every user, group and role of ``account`` with their policies, and its customer-managed
        policies: one paged read for the whole account, whatever the number of roles."""
        return self.paged(
            iam,
            caller,
            "get_account_authorization_details",
            f"account {account}",
            ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"),
            Filter=["User", "Group", "Role", "LocalManagedPolicy"],
            MaxItems=1000,
        )

    def aws_managed(self, iam: Any, caller: str, arn: str) -> Any:
        """The default version of an AWS managed policy (the same in every account: read once a run)."""
        with self.lock:
            if arn in self.aws_managed_documents:
                return self.aws_managed_documents[arn]
        try:
            policy = self.read(iam, caller, "get_policy", arn, PolicyArn=arn)["Policy"]
            version = self.read(
                iam, caller, "get_policy_version", arn, PolicyArn=arn, VersionId=policy["DefaultVersionId"]
            )["PolicyVersion"]
            document = document_of(version["Document"])
        except NotFound:
            document = {}
        with self.lock:
            self.aws_managed_documents[arn] = document
        return document


def in_parallel(work: Callable[[str], R], items: Sequence[str], workers: int) -> list[R]:
    """``work`` of each item, ``workers`` at a time, the results in the items' order. Daemon threads:
    when --timeout ends the run, the process exits without waiting for a read that never returns.
    After an error no new item starts, and the error of the first item in order is raised."""
    results: dict[int, R] = {}
    errors: dict[int, BaseException] = {}
    lock = threading.Lock()
    queue = iter(range(len(items)))

    def worker() -> None:
        while True:
            with lock:
                index = next(queue, None) if not errors else None
            if index is None:
                return
            try:
                results[index] = work(items[index])
            except BaseException as error:  # raised in the caller below
                with lock:
                    errors[index] = error

    threads = [threading.Thread(target=worker, name=f"{PROG}-{n}", daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[min(errors)]
    return [results[index] for index in range(len(items))]


def iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None if value is None else str(value)
