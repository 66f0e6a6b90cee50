"""Benchmark: cross-account-audit of N roles in N emulated accounts, and the trusted account that grants
them all (moto in this process).

    .venv/bin/python benchmarks/audit.py [ACCOUNTS ...] [--concurrency 8] [--repeat 1]

    .venv/bin/python benchmarks/audit.py 100 1000      # both, in one run: is the time linear?

Setup (not timed), for each N: a fresh in-process moto; in each of N accounts a role as the program
makes it (a trust policy naming the trusted account with MFA, one attached customer-managed policy,
one inline policy, tags) and an auditor user holding the actions of the audit's read-only policy,
with an access key in a shared credentials file (a profile per account); in the trusted account the
trusted stack's assume-role policies (100 roles each, as documents the stack would write), attached to a
group with a member, a user of its own and an auditor. Timed: ``cross-account-audit --stack-outputs ...
--profile-for ACCOUNT=PROFILE ... --json`` run in this process with IAM authentication on, from reading
the outputs to the report. It prints the median wall time per N and, for several N, how the time grew
against the accounts; it fails when the audit finds anything (the accounts are as the outputs say),
when the trusted account is read (GetAccountAuthorizationDetails) more than once, or when the largest N
takes more than 1.2 times its share of the smallest N's time (1,000 accounts: 12 times 100's).

moto finds the account of an access key by looking through every account (``get_account_id_from`` in
moto/iam/models.py): a cost of the emulator, per request and growing with the accounts, that AWS does
not have. The benchmark indexes that lookup (a dict from key to account, kept by moto's own key
creation), so that what it measures is the audit.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
from moto import mock_aws
from moto.core import enable_iam_authentication

from cross_account import audit as cli

READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::team-bucket/*"}],
}
LOGS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "logs:GetLogEvents", "Resource": "*"}],
}
TAGS = {"team": "data"}
TRUSTED = "444455556666"
ROLES_PER_POLICY = 100
MAX_GROWTH = 1.2
"""The largest N may take this many times its share (N / smallest N) of the smallest N's time."""


def iam_in(account: str) -> Any:
    session = boto3.Session(aws_access_key_id="setup", aws_secret_access_key="setup", region_name="us-east-1")
    session.events.register(
        "before-sign.*.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account)
    )
    return session.client("iam")


def index_moto_access_keys() -> None:
    """moto's access key -> account lookup as a dict (see the module's docstring)."""
    import moto.iam.models as models

    index: dict[str, str] = {}
    original = models.get_account_id_from

    def indexed(access_key: str) -> str:
        if access_key not in index:
            index[access_key] = original(access_key)
        return index[access_key]

    models.get_account_id_from = indexed  # moto.core.responses imports it from there at each request


def auditor_key(iam: Any, policy: dict[str, Any]) -> dict[str, str]:
    iam.create_user(UserName="auditor")
    iam.put_user_policy(UserName="auditor", PolicyName="audit", PolicyDocument=json.dumps(policy))
    return dict(iam.create_access_key(UserName="auditor")["AccessKey"])


def set_up(count: int, home: Path) -> list[str]:
    policy = cli.read_only_policy()
    auditor = {**policy, "Statement": [{**s, "Resource": "*"} for s in policy["Statement"]]}
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustedAccountsMayAssume",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{TRUSTED}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    argv: list[str] = []
    credentials = []
    roles = []
    for index in range(count):
        account = f"{100000000000 + index}"
        iam = iam_in(account)
        iam.create_role(
            RoleName="audited",
            AssumeRolePolicyDocument=json.dumps(trust),
            Tags=[{"Key": k, "Value": v} for k, v in TAGS.items()],
        )
        read = iam.create_policy(PolicyName="read", PolicyDocument=json.dumps(READ))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="audited", PolicyArn=read)
        iam.put_role_policy(RoleName="audited", PolicyName="logs", PolicyDocument=json.dumps(LOGS))
        key = auditor_key(iam, auditor)
        credentials += [f"[a{account}]", f"aws_access_key_id = {key['AccessKeyId']}"]
        credentials += [f"aws_secret_access_key = {key['SecretAccessKey']}", ""]
        arn = f"arn:aws:iam::{account}:role/audited"
        roles.append(arn)
        outputs = {
            "roleArn": arn,
            "roleName": "audited",
            "auditBaseline": {
                "trustPolicy": trust,
                "managedPolicyArns": [read],
                "inlinePolicyNames": ["logs"],
                "maxSessionDuration": 3600,
                "permissionsBoundaryArn": "",
                "inlinePolicies": {"logs": LOGS},
                "tags": TAGS,
                "revokeSessionsIssuedBefore": "",
                "managedPolicyDocuments": {read: READ},
            },
        }
        path = home / f"{account}.json"
        path.write_text(json.dumps(outputs))
        argv += ["--stack-outputs", str(path), "--profile-for", f"{account}=a{account}"]
    iam = iam_in(TRUSTED)
    iam.create_group(GroupName="readers")
    for user in ("alice", "bob"):
        iam.create_user(UserName=user)
    iam.add_user_to_group(GroupName="readers", UserName="bob")
    documents, policy_arns = [], []
    for start in range(0, count, ROLES_PER_POLICY):
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AssumeCrossAccountRoles",
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": roles[start : start + ROLES_PER_POLICY],
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                }
            ],
        }
        name = f"cross-account-assume-role-{start // ROLES_PER_POLICY + 1}"
        arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
        iam.attach_group_policy(GroupName="readers", PolicyArn=arn)
        iam.attach_user_policy(UserName="alice", PolicyArn=arn)
        documents.append(document)
        policy_arns.append(arn)
    key = auditor_key(iam, auditor)
    credentials += ["[trusted]", f"aws_access_key_id = {key['AccessKeyId']}"]
    credentials += [f"aws_secret_access_key = {key['SecretAccessKey']}", ""]
    trusted = {
        "policyArns": policy_arns,
        "roleArns": roles,
        "roleArnPatterns": [],
        "principals": {
            "users": ["alice"],
            "groups": ["readers"],
            "roles": [],
            "newGroup": "",
            "newGroupMembers": [],
        },
        "auditBaseline": {"policyDocuments": documents},
    }
    (home / "trusted.json").write_text(json.dumps(trusted))
    argv += ["--stack-outputs", str(home / "trusted.json"), "--profile-for", f"{TRUSTED}=trusted"]
    (home / "credentials").write_text("\n".join(credentials))
    (home / "config").write_text("")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(home / "credentials")
    os.environ["AWS_CONFIG_FILE"] = str(home / "config")
    return argv


def measure(count: int, concurrency: int, repeat: int) -> tuple[list[float], int] | None:
    """The wall times of ``repeat`` audits of ``count`` accounts, and how often the trusted account was read."""
    reads = 0
    original = cli.Audit.authorization_details

    def counted(self: cli.Audit, iam: Any, caller: str, account: str) -> dict[str, list[Any]]:
        nonlocal reads
        reads += 1
        return original(self, iam, caller, account)

    cli.Audit.authorization_details = counted  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as home, mock_aws():
            argv = set_up(count, Path(home))
            argv += ["--json", "--concurrency", str(concurrency), "--timeout", "600", "--region", "us-east-1"]
            times = []
            for _ in range(repeat):
                out, err = io.StringIO(), io.StringIO()
                start = time.perf_counter()
                with enable_iam_authentication():
                    status = cli.main(argv, out, err)
                times.append(time.perf_counter() - start)
                report = json.loads(out.getvalue()) if out.getvalue() else {}
                if status != 0 or report.get("findings"):
                    print(
                        f"audit failed: exit {status}: {err.getvalue()}{report.get('findings')}",
                        file=sys.stderr,
                    )
                    return None
    finally:
        cli.Audit.authorization_details = original  # type: ignore[method-assign]
    return times, reads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("accounts", nargs="*", type=int, help="account counts to measure (default 100)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    counts = args.accounts or [100]
    if any(n < 1 for n in counts):
        parser.error("each account count must be at least 1")
    index_moto_access_keys()
    medians: dict[int, float] = {}
    for count in counts:
        measured = measure(count, args.concurrency, args.repeat)
        if measured is None:
            return 1
        times, reads = measured
        medians[count] = statistics.median(times)
        print(
            f"cross-account-audit: {count} roles in {count} accounts and their trusted account, concurrency "
            f"{args.concurrency}: median {medians[count]:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)}); "
            f"the trusted account read {reads // args.repeat} time(s) a run",
            flush=True,
        )
        if reads != args.repeat:
            print(
                "the trusted account must be read once a run, whatever the number of roles", file=sys.stderr
            )
            return 1
    if len(medians) > 1:
        low, high = min(medians), max(medians)
        growth = medians[high] / medians[low]
        print(
            f"{high} accounts took {growth:.1f} times the time of {low} ({high / low:g} times the accounts)"
        )
        if growth > MAX_GROWTH * high / low:
            print(
                f"more than {MAX_GROWTH:g} x {high / low:g}: the time does not grow linearly", file=sys.stderr
            )
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
