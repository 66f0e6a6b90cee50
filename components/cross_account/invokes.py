"""The AWS invokes the components make, with a clear error when a result lacks what they read.

Under unit-test mocks that do not answer these invokes, a missing field would
otherwise surface as ``AttributeError: 'NoneType' object has no attribute
'split'`` deep inside an apply. ``cross_account.testing.CrossAccountMocks``
answers every one of them.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

GET_PARTITION = "aws:index/getPartition:getPartition"
GET_CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
GET_REGION = "aws:index/getRegion:getRegion"


class InvokeResultError(pulumi.RunError):
    """An invoke the components rely on returned no value for a field they read."""

    def __init__(self, token: str, field: str) -> None:
        super().__init__(
            f"the invoke {token} returned no {field!r}: under Pulumi unit-test mocks, answer it "
            "(cross_account.testing.CrossAccountMocks answers every invoke the components make)"
        )


def _field(token: str, field: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvokeResultError(token, field)
    return value


def partition_of(parent: pulumi.Resource) -> pulumi.Output[str]:
    """The partition (``aws``, ``aws-cn``, ...) the parent's provider works in."""
    result = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    partition: pulumi.Output[Any] = result.partition
    return partition.apply(lambda value: _field(GET_PARTITION, "partition", value))


def caller_identity(parent: pulumi.Resource) -> pulumi.Output[tuple[str, str]]:
    """(account id, caller ARN) of the credentials the parent's provider uses."""
    result = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    return pulumi.Output.all(result.account_id, result.arn).apply(
        lambda values: (
            _field(GET_CALLER_IDENTITY, "accountId", values[0]),
            _field(GET_CALLER_IDENTITY, "arn", values[1]),
        )
    )


def caller_account(parent: pulumi.Resource) -> pulumi.Output[str]:
    """The account id of the credentials the parent's provider uses."""
    return caller_identity(parent).apply(lambda identity: identity[0])


def account_and_partition_now() -> tuple[str, str]:
    """(account id, partition) of the default provider's credentials, as plain values, from one
    getCallerIdentity (the partition is the caller ARN's second field)."""
    identity = aws.get_caller_identity()
    arn = _field(GET_CALLER_IDENTITY, "arn", identity.arn)
    return _field(GET_CALLER_IDENTITY, "accountId", identity.account_id), arn.split(":")[1]


def where_now(parent: pulumi.Resource) -> tuple[str, str, str]:
    """(account id, partition, region) of the parent's provider, as plain values, to decide what to
    register and to configure other providers with; the region whatever set it (stack config,
    environment, profile)."""
    options = pulumi.InvokeOptions(parent=parent)
    account = aws.get_caller_identity(opts=options).account_id
    partition = aws.get_partition(opts=options).partition
    region = aws.get_region(opts=options).region
    return (
        _field(GET_CALLER_IDENTITY, "accountId", account),
        _field(GET_PARTITION, "partition", partition),
        _field(GET_REGION, "region", region),
    )
