"""cross-account-console's URLs: the federation endpoint, the getSigninToken request, the console
destination and the login URL, as AWS's "custom identity broker" builds them
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html).

No pulumi, no components: only the pure documents layer and the IAM grammar.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from .documents import SIGNIN_HOSTS
from .iam.grammar import region_partition

if TYPE_CHECKING:
    from .console_options import Options

FEDERATION_ENDPOINTS = {partition: f"https://{host}/federation" for partition, host in SIGNIN_HOSTS.items()}
"""AWS's federation (sign-in) endpoint per partition, at the partition's sign-in host (the switch-role
links' host): https://signin.aws.amazon.com/federation is the IAM User Guide's ("Enable custom identity
broker access to the AWS console"); signin.amazonaws-us-gov.com and signin.amazonaws.cn serve the same
path, as aws-vault's and Granted's console logins use them."""
CONSOLE_HOSTS = {
    "aws": "console.aws.amazon.com",
    "aws-us-gov": "console.amazonaws-us-gov.com",
    "aws-cn": "console.amazonaws.cn",
}
"""The console's host per partition: the default --destination is its home page of the region."""
DEFAULT_REGIONS = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}
"""The console's region when neither --region nor the profile names one."""
ISSUER = ""
"""The login URL's Issuer: the page the console links to when the session ends. There is no sign-in
page of ours to go back to, so it is empty (the console then shows its own sign-in page)."""


def federation_endpoint(options: Options) -> str:
    return options.federation_endpoint or FEDERATION_ENDPOINTS[options.partition]


def signin_token_url(endpoint: str, credentials: dict[str, str], session_duration: int | None) -> str:
    """The getSigninToken request (a GET, as AWS's examples make it): the session's credentials as the
    URL-encoded ``Session`` JSON, and ``SessionDuration`` when the console session may outlast them."""
    session = json.dumps(
        {
            "sessionId": credentials["AccessKeyId"],
            "sessionKey": credentials["SecretAccessKey"],
            "sessionToken": credentials["SessionToken"],
        }
    )
    parameters: dict[str, str] = {"Action": "getSigninToken"}
    if session_duration is not None:
        parameters["SessionDuration"] = str(session_duration)
    parameters["Session"] = session
    return f"{endpoint}?{urlencode(parameters)}"


def default_destination(partition: str, region: str) -> str:
    """The console home of the region."""
    return f"https://{CONSOLE_HOSTS[partition]}/console/home?{urlencode({'region': region})}"


def console_region(options: Options, profile_region: str | None) -> str:
    """The region of the default destination: --region, else the profile's when it is in the role's
    partition, else the partition's default."""
    if options.region is not None:
        return options.region
    if profile_region and region_partition(profile_region) == options.partition:
        return profile_region
    return DEFAULT_REGIONS.get(options.partition, "us-east-1")


def destination_url(options: Options, region: str) -> str:
    if options.destination is None:
        return default_destination(options.partition, region)
    if options.destination.startswith("/"):
        return f"https://{CONSOLE_HOSTS[options.partition]}{options.destination}"
    return options.destination


def login_url(endpoint: str, token: str, destination: str) -> str:
    """The URL that signs the browser in: Action=login, Issuer, Destination, SigninToken."""
    query = urlencode({"Action": "login", "Issuer": ISSUER, "Destination": destination, "SigninToken": token})
    return f"{endpoint}?{query}"
