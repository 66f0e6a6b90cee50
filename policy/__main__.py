"""The cross-account guardrails as a Pulumi policy pack.

Run it on any Pulumi project: ``pulumi preview --policy-pack policy
[--policy-pack-config policy/config.json]``. The rules live in
``rules.py`` (importable, tested without the CLI); this file only builds the
pack, which starts the policy server and blocks.
"""

from pulumi_policy import EnforcementLevel, PolicyPack
from rules import POLICIES

PolicyPack(
    name="cross-account-guardrails",
    policies=[*POLICIES],  # PolicyPack takes list[Policy]; list is invariant
    enforcement_level=EnforcementLevel.MANDATORY,
    description="Guardrails for AWS cross-account IAM roles and assume-role policies",
)
