"""What the program registers for configurations that worked before this version, as data.

    .venv/bin/python tests/upgrade_snapshot.py > tests/data/registrations-0.1.0.json

``tests/data/registrations-0.1.0.json`` was written by this file run inside a checkout of the
version before (commit 71df8fc, the first commit of the file's history to hold that JSON says
which); tests/test_upgrade.py runs the same configurations through this version and compares
resource names and inputs, so an upgrade replaces nothing.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from conftest import PROJECT, RecordingMocks, Run, run_main, stack_file_config

TRUSTED_ACCOUNT = "222222222222"
TRUSTING_ACCOUNT = "111111111111"
"""The example accounts of the version before (later examples use AWS's placeholder ids)."""
REFERENCE = "organization/cross-account-access/trusting"
ROLE_ARN = "arn:aws:iam::111111111111:role/my-s3-x-account-role"
TRUSTING_OUTPUTS = {"roleArn": ROLE_ARN, "externalIdRequired": False, "mfaRequired": True}
INLINE = {
    "read-logs": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "logs:GetLogEvents", "Resource": "*"}],
    }
}


def many_roles(count: int) -> list[str]:
    return [f"arn:aws:iam::{100000000000 + i}:role/cross-account-role-{i:04d}" for i in range(count)]


def cases() -> dict[str, tuple[str, dict[str, Any], tuple[str, ...]]]:
    """name -> (stack, config, secret keys): configurations that worked before."""
    return {
        "trusting example": (
            "trusting",
            stack_file_config("trusting") | {f"{PROJECT}:trustedAccountIds": [TRUSTED_ACCOUNT]},  # as it was
            (),
        ),
        "trusted example": ("trusted", stack_file_config("trusted"), ()),
        "trusting hardened": (
            "trusting",
            {
                "trustedAccountIds": ["222222222222", "333333333333"],
                "roleName": "audit",
                "rolePath": "/cross-account/",
                "roleDescription": "Audit access",
                "managedPolicyArns": ["ReadOnlyAccess", "arn:aws:iam::111111111111:policy/extra"],
                "inlinePolicies": INLINE,
                "maxSessionDuration": 7200,
                "permissionsBoundaryArn": "arn:aws:iam::111111111111:policy/boundary",
                "requireMfa": True,
                "mfaMaxAgeSeconds": 3600,
                "externalId": "partner-7f3a",
                "organizationId": "o-abcdefghij",
                "trustedPrincipalArns": [
                    "arn:aws:iam::222222222222:role/ops-*",
                    "arn:aws:iam::333333333333:user/alice",
                ],
                "tags": {"team": "platform"},
            },
            ("externalId",),
        ),
        "trusted split": (
            "trusted",
            {
                "roleArns": many_roles(150),
                "userNames": ["alice", "bob"],
                "groupNames": ["auditors"],
                "policyName": "assume",
                "policyPath": "/cross-account/",
                "requireMfa": True,
                "sourceProfile": "identity",
            },
            (),
        ),
    }


def registrations(run: Run) -> list[dict[str, Any]]:
    return [
        {
            "type": r.type,
            "name": r.name,
            "parent": r.parent.rsplit("::", 1)[-1],
            "inputs": r.inputs,
            "delete_before_replace": r.delete_before_replace,
        }
        for r in run.registrations
    ]


def snapshot() -> dict[str, Any]:
    found = {}
    for name, (stack, config, secrets) in cases().items():
        mocks = RecordingMocks(
            account_id=TRUSTED_ACCOUNT if stack == "trusted" else TRUSTING_ACCOUNT,
            stack_outputs={REFERENCE: TRUSTING_OUTPUTS},
        )
        run = run_main(stack=stack, config=config, mocks=mocks, secret_keys=secrets)
        found[name] = registrations(run)
    return found


if __name__ == "__main__":
    json.dump(snapshot(), sys.stdout, indent=1, sort_keys=True)
    print()
