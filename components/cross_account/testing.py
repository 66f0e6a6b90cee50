"""Pulumi mocks for the unit tests of projects that use the components.

``CrossAccountMocks`` answers the way AWS would for what the components (and
a program around them) register and invoke: IAM roles, policies, users, groups
and their attachments get the ARNs, ids and unique ids AWS would give them in
the right account and partition; ``getPartition``, ``getCallerIdentity``,
``getRegion`` and ``getOrganizationalUnitDescendantAccounts`` are answered;
stack references return the outputs you give. Everything is derived from the
names, so the same program gets the same ids on every run. Any other invoke
fails with a message naming it.

    import pulumi
    from cross_account.testing import CrossAccountMocks

    pulumi.runtime.set_mocks(CrossAccountMocks(account_id="111122223333"), preview=False)

A resource lands in the mocks' ``account_id``, unless it is created through an
``aws.Provider`` that names another account: the account of the last role in
its ``assume_roles``, else its single ``allowed_account_ids`` entry, else the
account ``provider_accounts`` gives for the provider's name (for providers
that pick the account with a profile or credentials).

This module needs only ``pulumi``; it works with any test runner.
"""

from __future__ import annotations

from .iam.grammar import REGION_RE as REGION_RE
from .offline import (  # the mocks live in cross_account.offline, which make plan uses too
    CREATE_DATE as CREATE_DATE,
    INVOKES as INVOKES,
    MOCK_POLICY_DOCUMENT as MOCK_POLICY_DOCUMENT,
    PARTITION_DNS as PARTITION_DNS,
    PROVIDER as PROVIDER,
    REGION_DESCRIPTIONS as REGION_DESCRIPTIONS,
    STACK_REFERENCE as STACK_REFERENCE,
    CrossAccountMocks as CrossAccountMocks,
)

__all__ = ["CREATE_DATE", "CrossAccountMocks"]
