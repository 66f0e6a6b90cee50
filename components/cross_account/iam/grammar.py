"""What IAM and AWS names look like: every pattern once, ARN parsing, region to partition.

Pure: no pulumi, no boto3. The checks (``validation``), the documents, the console scripts and the
program all read their patterns here. Every pattern is ASCII-only and meant for ``fullmatch``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from .. import limits


def _pattern(regex: str) -> re.Pattern[str]:
    """A pattern over ASCII only, always used with ``fullmatch`` (no ``$`` before a final newline)."""
    return re.compile(regex, re.ASCII)


NAME_CLASS = "A-Za-z0-9+=,.@_-"
"""The characters of IAM user, group, role and policy names."""
PATH_SEGMENT = r"[\x21-\x2e\x30-\x7e]+"
"""One segment of an IAM path: printable ASCII but the slash, never empty."""
PARTITION = r"aws(?:-[a-z]+)*"
ACCOUNT = r"[0-9]{12}"
"""An AWS account id: twelve digits (every pattern below that holds one says it this way)."""

ACCOUNT_ID_RE = _pattern(ACCOUNT)
ROLE_NAME_RE = _pattern(rf"[{NAME_CLASS}]{{1,64}}")
USER_NAME_RE = _pattern(rf"[{NAME_CLASS}]{{1,64}}")
GROUP_NAME_RE = _pattern(rf"[{NAME_CLASS}]{{1,128}}")
POLICY_NAME_RE = _pattern(rf"[{NAME_CLASS}]{{1,128}}")
PATH_RE = _pattern(rf"(?=.{{1,{limits.PATH_MAX}}}\Z)/(?:{PATH_SEGMENT}/)*")
DESCRIPTION_RE = _pattern(rf"[\t\n\r\x20-\x7e\xa1-\xff]{{0,{limits.DESCRIPTION_MAX}}}")
"""AWS's own rule for role descriptions (printable ASCII and Latin-1)."""
POLICY_ARN_RE = _pattern(
    rf"arn:{PARTITION}:iam::(?:aws|{ACCOUNT}):policy/(?:{PATH_SEGMENT}/)*[{NAME_CLASS}]{{1,128}}"
)
CUSTOMER_POLICY_ARN_RE = _pattern(rf"arn:{PARTITION}:iam::{ACCOUNT}:policy/[\x21-\x7e]{{1,1100}}")
"""A customer-managed policy's ARN (an account's, not ``aws``'s), as the audit and the baseline read it."""
EXTERNAL_ID_RE = _pattern(r"[A-Za-z0-9+=,.@:/_-]+")
ORGANIZATION_ID_RE = _pattern(r"o-[a-z0-9]{10,32}")
ORGANIZATIONAL_UNIT_ID_RE = _pattern(r"ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32}")
_OU = r"ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}"
ORGANIZATION_PATH_RE = _pattern(rf"o-[a-z0-9]{{10,32}}/(?:r-[0-9a-z]{{4,32}}/(?:{_OU}/)*|\*/{_OU}/)")
ROLE_ARN_PATTERN_RE = _pattern(rf"arn:{PARTITION}:iam::\*:role/(?:{PATH_SEGMENT}/)*[{NAME_CLASS}]{{1,64}}")
"""An organizational unit (``ou-``) or an organization's root (``r-``), as AWS Organizations writes them."""
ARN_PARTS_RE = _pattern(
    r"arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):(?P<resource>.*)"
)
PRINCIPAL_RESOURCE_RE = _pattern(r"root|(?:user|role)/[\x21-\x7e]+")
"""What an aws:PrincipalArn pattern may name: the root user, or users or roles, typed literally."""
PROFILE_NAME_RE = _pattern(r"[A-Za-z0-9_.@+=,:/-]{1,128}")
AWS_MANAGED_NAME_RE = _pattern(rf"(?:[{NAME_CLASS}]+/)*[{NAME_CLASS}]{{1,128}}")
STACK_NAME_RE = _pattern(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+){0,2}")
TAG_KEY_RE = _pattern(rf"[A-Za-z0-9 _.:/=+@-]{{1,{limits.TAG_KEY_MAX}}}")
TAG_VALUE_RE = _pattern(rf"[A-Za-z0-9 _.:/=+@-]{{0,{limits.TAG_VALUE_MAX}}}")
REGION_RE = _pattern(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")
AWS_MANAGED_POLICY_ARN_RE = _pattern(rf"arn:{PARTITION}:iam::aws:policy/[\x21-\x7e]{{1,1100}}")
ADMINISTRATOR_ACCESS_RE = _pattern(rf"arn:{PARTITION}:iam::aws:policy/AdministratorAccess")

# What an sts:AssumeRole request may carry (STS's API reference), as the console scripts check it.
STS_EXTERNAL_ID_RE = _pattern(r"[A-Za-z0-9_+=,.@:/-]{2,1224}")
MFA_SERIAL_RE = _pattern(
    rf"arn:{PARTITION}:iam::{ACCOUNT}:mfa/[A-Za-z0-9_+=,.@/-]{{1,512}}|[A-Za-z0-9_+=/:,.@-]{{9,256}}"
)
MFA_TOKEN_RE = _pattern(r"[0-9]{6}")
SESSION_NAME_RE = _pattern(r"[A-Za-z0-9_+=,.@-]{2,64}")
SOURCE_IDENTITY_RE = _pattern(r"[A-Za-z0-9_+=,.@-]{2,64}")
"""An AWS region name: us-east-1, us-gov-west-1, cn-north-1."""
COLOR_RE = _pattern(r"[0-9A-Fa-f]{6}")
EXPIRES_AT_RE = _pattern(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
"""An instant in RFC 3339, in UTC, to the second: 2027-03-31T23:59:59Z."""
TOKEN_ISSUE_TIME_RE = _pattern(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})T(?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?P<fraction>\.[0-9]{1,9})?(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})"
)
"""An instant in RFC 3339 with seconds and a time zone (``Z`` or ``+HH:MM``), ``T`` and ``Z`` upper case."""
PERMISSION_SET_NAME_RE = _pattern(rf"[{NAME_CLASS}]{{1,32}}")
CONDITION_KEY_RE = _pattern(r"[A-Za-z0-9][A-Za-z0-9.-]{0,63}:[A-Za-z0-9][A-Za-z0-9_.:/=+@-]{0,127}")
"""A condition key: ``service:key`` (``aws:SourceIp``, ``aws:PrincipalTag/team``), in any case: IAM reads
condition keys case-insensitively."""
CONDITION_VALUE_RE = _pattern(r"[\x20-\x7e]{1,1024}")
NUMBER_RE = _pattern(r"-?[0-9]+(?:\.[0-9]+)?")
DATE_RE = _pattern(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?"
    r"|[0-9]{1,12}"
)
"""ISO 8601, or seconds since the epoch: what IAM's date operators compare."""
WILDCARDS = ("*", "?")
CALLER_NAME_RE = re.compile(r"[A-Za-z0-9]{1,64}", re.ASCII)
"""The name of a caller entry (callerRequirements): ASCII letters and digits."""
SECRET_NAME_RE = re.compile(
    r"secret|password|passwd|token|credential|private.?key|access.?key|external.?ids?$",
    re.ASCII | re.IGNORECASE,
)
"""Input and config key names that say they hold a secret: their values are never echoed."""


ROLE_ARN_RE = re.compile(
    rf"arn:(?P<partition>{PARTITION}):iam::(?P<account>{ACCOUNT}):role"
    rf"(?P<path>/(?:{PATH_SEGMENT}/)*)(?P<name>[{NAME_CLASS}]{{1,64}})",
    re.ASCII,
)
"""A role ARN, matched whole (``fullmatch``): ASCII only, no empty path segment."""


@dataclass(frozen=True)
class RoleArn:
    """The parts of an IAM role ARN."""

    partition: str
    account_id: str
    path: str
    name: str

    @property
    def path_and_name(self) -> str:
        """``path/name`` without the leading slash, as the console expects it."""
        return f"{self.path}{self.name}".lstrip("/")


def parse_role_arn(arn: str) -> RoleArn | None:
    """Split ``arn:<partition>:iam::<account>:role/<path/>name``; None if it is not one."""
    match = ROLE_ARN_RE.fullmatch(arn)
    if match is None:
        return None
    return RoleArn(match["partition"], match["account"], match["path"], match["name"])


REGION_PREFIXES = (
    ("us-gov-", "aws-us-gov"),
    ("cn-", "aws-cn"),
    ("us-isob-", "aws-iso-b"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-isof-", "aws-iso-f"),
)
"""Region name prefixes of the partitions other than ``aws``, for a region the package's list lacks."""


def region_partition(region_name: str) -> str:
    """The partition a region belongs to: from the package's region list (botocore's), else by its
    prefix (``us-gov-`` -> ``aws-us-gov``, ``cn-`` -> ``aws-cn``, ...), else ``aws``."""
    listed = known_regions().get(region_name)
    if listed is not None:
        return listed
    for prefix, partition in REGION_PREFIXES:
        if region_name.startswith(prefix):
            return partition
    return "aws"


@functools.cache
def known_regions() -> dict[str, str]:
    """Region -> partition, from ``aws_regions.txt`` (written by tools/aws_regions.py from botocore)."""
    text = resources.files("cross_account").joinpath(REGIONS_FILE).read_text(encoding="ascii")
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            partition, name = line.split()
            found[name] = partition
    return found


REGIONS_FILE = "aws_regions.txt"
