"""Benchmark: cross-account-audit of N roles in N emulated accounts (moto in this process).

    .venv/bin/python benchmarks/audit.py [--accounts 100] [--concurrency 8] [--repeat 3]

Setup (not timed): in each of N accounts of an in-process moto, a role as the program makes
it (trust policy, one attached customer-managed policy) and an auditor user holding the actions of the audit's
read-only policy, with an access key in a shared credentials file (profile per account). Timed:
``cross-account-audit --stack-outputs ... --profile-for ACCOUNT=PROFILE ... --json`` run in this
process with IAM authentication on, from reading the outputs to the report. It prints the
median wall time and checks that the audit found nothing (the accounts are as the outputs say).
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
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
TRUSTED = "444455556666"


def iam_in(account: str) -> Any:
    session = boto3.Session(aws_access_key_id="setup", aws_secret_access_key="setup", region_name="us-east-1")
    session.events.register(
        "before-sign.*.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account)
    )
    return session.client("iam")


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
            }
        ],
    }
    argv: list[str] = []
    credentials = []
    for index in range(count):
        account = f"{100000000000 + index}"
        iam = iam_in(account)
        iam.create_role(RoleName="audited", AssumeRolePolicyDocument=json.dumps(trust))
        read = iam.create_policy(PolicyName="read", PolicyDocument=json.dumps(READ))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="audited", PolicyArn=read)
        iam.create_user(UserName="auditor")
        iam.put_user_policy(UserName="auditor", PolicyName="audit", PolicyDocument=json.dumps(auditor))
        key = iam.create_access_key(UserName="auditor")["AccessKey"]
        credentials += [f"[a{account}]", f"aws_access_key_id = {key['AccessKeyId']}"]
        credentials += [f"aws_secret_access_key = {key['SecretAccessKey']}", ""]
        outputs = {
            "roleArn": f"arn:aws:iam::{account}:role/audited",
            "roleName": "audited",
            "auditBaseline": {
                "trustPolicy": trust,
                "managedPolicyArns": [read],
                "inlinePolicyNames": [],
                "maxSessionDuration": 3600,
                "permissionsBoundaryArn": "",
            },
        }
        path = home / f"{account}.json"
        path.write_text(json.dumps(outputs))
        argv += ["--stack-outputs", str(path), "--profile-for", f"{account}=a{account}"]
    (home / "credentials").write_text("\n".join(credentials))
    (home / "config").write_text("")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(home / "credentials")
    os.environ["AWS_CONFIG_FILE"] = str(home / "config")
    return argv


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, mock_aws():
        argv = set_up(args.accounts, Path(home))
        argv += [
            "--json",
            "--concurrency",
            str(args.concurrency),
            "--timeout",
            "120",
            "--region",
            "us-east-1",
        ]
        times = []
        for _ in range(args.repeat):
            out, err = io.StringIO(), io.StringIO()
            start = time.perf_counter()
            with enable_iam_authentication():
                status = cli.main(argv, out, err)
            times.append(time.perf_counter() - start)
            report = json.loads(out.getvalue()) if out.getvalue() else {}
            if status != 0 or report.get("findings"):
                print(
                    f"audit failed: exit {status}: {err.getvalue()}{report.get('findings')}", file=sys.stderr
                )
                return 1
    print(
        f"cross-account-audit: {args.accounts} roles in {args.accounts} accounts, concurrency "
        f"{args.concurrency}: median {statistics.median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
