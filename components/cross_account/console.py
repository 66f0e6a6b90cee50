"""cross-account-console: assume a cross-account role and open the AWS console as its session.

    cross-account-console ROLE_ARN [--external-id ID] [--mfa-serial ARN --mfa-token CODE]
        [--session-name NAME] [--source-identity VALUE] [--tags KEY=VALUE [KEY=VALUE ...]]
        [--duration SECONDS] [--destination URL] [--print] [--federation-endpoint URL]
        [--profile NAME] [--region NAME] [--endpoint-url URL] [--timeout SECONDS]

The console's switch-role page cannot send an external id, a source identity or session tags;
this command can, as AWS's "custom identity broker" does it
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html):

1. sts:AssumeRole with the caller's credentials (or the profile), with the same options as
   ``cross-account-verify``;
2. ``getSigninToken`` at the federation endpoint of the role's partition, with the session's
   credentials (the ``Session`` JSON of ``sessionId``, ``sessionKey``, ``sessionToken``);
3. the login URL (``Action=login``, ``Issuer``, ``Destination``, ``SigninToken``), opened in the
   browser, or printed on stdout with ``--print``.

``--duration`` sets the role session (AssumeRole ``DurationSeconds``, 900 up to the role's maximum)
and the console session (``SessionDuration``, 900..43200). AWS accepts ``SessionDuration`` only for
a role session that an IAM user's long-term keys asked for: a caller with temporary credentials (a
role session, a federated user, an MFA session) is role chaining, which AWS caps at one hour and
whose console session lasts as long as its credentials, so the command sends no ``SessionDuration``
then, and refuses a ``--duration`` over 3600.

The login URL, the sign-in token and the session's credentials are bearer secrets: they are
printed only by ``--print`` (stdout, the URL alone) and never appear in a message; the values of
``--external-id`` and ``--mfa-token`` neither. Every error is one line on stderr, exit status 2.

This module imports neither pulumi nor the components: only the connection code, cross-account-verify's
checks and the pure documents layer (``cross_account/__init__.py`` does import pulumi when the package
itself is imported; tests/test_console.py loads this module without it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO
from urllib.parse import urlencode, urlsplit

from .connection import (
    HOST_RE,
    MIN_RUN_SECONDS,
    WATCHDOG_GRACE_SECONDS,
    Calls,
    Parser,
    Progress,
    SetupError,
    UsageError,
    add_connection_arguments,
    bounded,
    check_connection_arguments,
    check_endpoint_url,
    error_code,
    one_line,
    redact,
)
from .documents import SIGNIN_HOSTS
from .iam.grammar import region_partition
from .limits import MAX_SESSION_SECONDS, MIN_CLI_SESSION_SECONDS, ROLE_CHAINING_MAX_SECONDS
from .verify import (
    SECRET_OPTIONS as SECRET_OPTIONS,
    TRANSIENT_CODES,
    CallerOptions,
    _check_tags,
    add_caller_arguments,
    caller_request,
    parse_role_command,
    secret_values as secret_values,
)

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

PROG = "cross-account-console"
DEFAULT_SESSION_NAME = "cross-account-console"
INSTALL_HINT = "cross-account-console needs boto3: pip install 'cross-account[verify]'"

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

MIN_DURATION_SECONDS = MIN_CLI_SESSION_SECONDS
MAX_DURATION_SECONDS = MAX_SESSION_SECONDS
"""AssumeRole DurationSeconds and getSigninToken SessionDuration both run 900..43200 (the role's
maximum session duration caps the first: AWS refuses a longer one)."""
ISSUER = ""
"""The login URL's Issuer: the page the console links to when the session ends. There is no sign-in
page of ours to go back to, so it is empty (the console then shows its own sign-in page)."""
MAX_TOKEN_RESPONSE_BYTES = 65536


@dataclass(frozen=True)
class Options(CallerOptions):
    """The checked command line."""

    session_name: str = DEFAULT_SESSION_NAME
    duration: int | None = None
    destination: str | None = None
    print_url: bool = False
    federation_endpoint: str | None = None

    @property
    def partition(self) -> str:
        return self.role_arn.split(":")[1]


@dataclass(frozen=True)
class Login:
    """What a sign-in gave: the login URL (a bearer secret) and who it signs in as."""

    url: str = field(repr=False)
    caller_arn: str
    assumed_arn: str
    expiration: str
    session_duration: int | None
    """The SessionDuration sent to getSigninToken; None: the console session lasts as the credentials do."""


# The command line -------------------------------------------------------------------------------

USAGE = (
    "%(prog)s ROLE_ARN [--external-id ID] [--mfa-serial ARN --mfa-token CODE]\n"
    "    [--session-name NAME] [--source-identity VALUE] [--tags KEY=VALUE [KEY=VALUE ...]]\n"
    "    [--duration SECONDS] [--destination URL] [--print] [--federation-endpoint URL]\n"
    "    [--profile NAME] [--region NAME] [--endpoint-url URL] [--timeout SECONDS]"
)


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        usage=USAGE,
        description="Assume a cross-account IAM role and open the AWS console as its session (AWS's "
        "federation endpoint): works where the switch-role page cannot, e.g. for a role that requires "
        "an external id.",
        epilog="Exit status: 0 the console was opened (or its URL printed), 2 any error. The login URL "
        "is a bearer secret, valid for 15 minutes: it is printed only with --print.",
        allow_abbrev=False,
    )
    add_caller_arguments(parser, "the role to sign in as", DEFAULT_SESSION_NAME)
    parser.add_argument(
        "--duration",
        metavar="SECONDS",
        help=f"role and console session, {MIN_DURATION_SECONDS}-{MAX_DURATION_SECONDS} seconds (at most "
        f"{ROLE_CHAINING_MAX_SECONDS} from temporary credentials); default: AWS's (one hour)",
    )
    parser.add_argument(
        "--destination",
        metavar="URL",
        help="the console page to open: an https:// URL, or a path of the console such as /s3/home "
        "(default: the console home of the region)",
    )
    parser.add_argument(
        "--print",
        dest="print_url",
        action="store_true",
        help="print the login URL on stdout instead of opening a browser (it is a secret: anyone "
        "with it is signed in, for 15 minutes)",
    )
    parser.add_argument(
        "--federation-endpoint",
        metavar="URL",
        help="the federation endpoint to get the sign-in token from (default: the one of the role's "
        "partition, https://signin.aws.amazon.com/federation for aws)",
    )
    add_connection_arguments(parser, "the STS calls and the federation endpoint")
    return parser


def _check_url(option: str, url: str) -> str:
    """An http(s) endpoint URL, by the rules of --endpoint-url, the message naming ``option``."""
    try:
        return check_endpoint_url(url)
    except UsageError as error:
        raise UsageError(str(error).replace("--endpoint-url", option, 1)) from None


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _check_federation_endpoint(url: str) -> str:
    """An https:// endpoint, or http:// to the loopback host only: the request carries the session's credentials."""
    checked = _check_url("--federation-endpoint", url)
    parts = urlsplit(checked)
    if parts.scheme == "http" and (parts.hostname or "") not in LOOPBACK_HOSTS:
        raise UsageError(
            f"--federation-endpoint {url!r}: the request carries the session's credentials, so http:// "
            "is accepted only to the loopback host (127.0.0.1, localhost, ::1); use https://"
        )
    return checked


def _check_destination(value: str) -> str:
    rule = (
        f"--destination {value!r} is not an https:// URL with a host, nor a path of the console "
        "starting with / (like /s3/home)"
    )
    if not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
        raise UsageError(rule)
    if value.startswith("/") and not value.startswith("//"):
        return value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise UsageError(rule) from None
    if parts.scheme != "https" or "@" in parts.netloc or not HOST_RE.fullmatch(parts.hostname or ""):
        raise UsageError(rule)
    return value


def _check_duration(text: str) -> int:
    if (
        not text.isascii()
        or not text.isdigit()
        or not MIN_DURATION_SECONDS <= int(text) <= MAX_DURATION_SECONDS
    ):
        raise UsageError(
            f"--duration {text!r} must be a whole number of seconds from {MIN_DURATION_SECONDS} to "
            f"{MAX_DURATION_SECONDS} (AWS's range for a role session and a console session)"
        )
    return int(text)


def parse_args(argv: Sequence[str]) -> Options:
    """Parse and check the command line; raise UsageError naming the argument, the value and the rule.

    No message ever holds the value of --external-id or --mfa-token, only its length.
    """
    args = parse_role_command(_parser(), argv)
    tags = _check_tags(args.tags or [])
    duration = None if args.duration is None else _check_duration(args.duration)
    destination = None if args.destination is None else _check_destination(args.destination)
    endpoint = (
        None if args.federation_endpoint is None else _check_federation_endpoint(args.federation_endpoint)
    )
    partition = args.role_arn.split(":")[1]
    if endpoint is None and partition not in FEDERATION_ENDPOINTS:
        raise UsageError(
            f"ROLE_ARN {args.role_arn!r}: partition {partition!r} has no console federation endpoint this "
            f"command knows ({', '.join(FEDERATION_ENDPOINTS)}): give --federation-endpoint and --destination"
        )
    if partition not in CONSOLE_HOSTS and (destination is None or destination.startswith("/")):
        raise UsageError(
            f"ROLE_ARN {args.role_arn!r}: partition {partition!r} has no console this command knows: "
            "give --destination as an https:// URL"
        )
    connection = check_connection_arguments(args)
    return Options(
        role_arn=args.role_arn,
        external_id=args.external_id,
        mfa_serial=args.mfa_serial,
        mfa_token=args.mfa_token,
        session_name=args.session_name,
        source_identity=args.source_identity,
        tags=tags,
        duration=duration,
        destination=destination,
        print_url=args.print_url,
        federation_endpoint=endpoint,
        profile=connection.profile,
        region=connection.region,
        endpoint_url=connection.endpoint_url,
        timeout=connection.timeout,
    )


# What is sent -----------------------------------------------------------------------------------


def assume_role_request(options: Options) -> dict[str, Any]:
    """The AssumeRole parameters the options ask for."""
    request = caller_request(options)
    if options.duration is not None:
        request["DurationSeconds"] = options.duration
    return request


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


def temporary_caller(caller_arn: str, session: Any) -> bool:
    """Whether the caller signs with temporary credentials (a role session, a federated user, or an
    IAM user's session token): then assuming a role is role chaining."""
    resource = caller_arn.split(":", 5)[-1]
    if resource.startswith(("assumed-role/", "federated-user/")):
        return True
    try:
        credentials = session.get_credentials()
    except Exception:  # noqa: BLE001 - the caller was already identified with them
        return False
    return bool(getattr(credentials, "token", None)) if credentials is not None else False


# The calls --------------------------------------------------------------------------------------


def _assume(run: Calls, session: Any, options: Options, caller: str) -> dict[str, Any]:
    errors = run.errors
    request = assume_role_request(options)
    step = f"sts:AssumeRole on {options.role_arn} as {caller}"
    while True:
        try:
            response = run.call(session, "sts", "assume_role", **request)
            return dict(response)
        except errors.ClientError as error:
            code = error_code(error)
            delay = run.next_delay() if code in TRANSIENT_CODES else None
            if delay is not None:
                run.log(
                    f"failed, retrying in {delay:g}s (the service is busy or failing): {run.describe(error)}"
                )
                run.sleep(delay)
                continue
            raise SetupError(f"{step}: {run.describe(error)}{_denial_hint(code, options)}") from None
        except errors.BotoCoreError as error:
            raise SetupError(f"{step}: {run.describe(error)}") from None


def _denial_hint(code: str | None, options: Options) -> str:
    if code not in ("AccessDenied", "AccessDeniedException"):
        return ""
    missing = []
    if options.external_id is None:
        missing.append("an external id (--external-id)")
    if options.mfa_serial is None:
        missing.append("MFA (--mfa-serial and --mfa-token)")
    if not missing:
        return ""
    return f" (if the role requires {' or '.join(missing)}, give it)"


def _fetch_token(run: Calls, url: str, endpoint: str, session_duration: int | None) -> str:
    """GET the sign-in token; errors name the endpoint only, never the request (it holds the session)."""
    left = run.deadline - run.clock()
    if left <= 0:
        raise SetupError(f"cannot reach {endpoint}: no complete answer within {run.budget:g}s (--timeout)")
    run.progress.endpoint = endpoint
    request = urllib.request.Request(url, headers={"Accept": "application/json"}, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=left) as answer:  # noqa: S310 - http(s) checked
            body = answer.read(MAX_TOKEN_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as error:
        error.close()
        hint = ""
        if error.code == 400 and session_duration is not None:
            hint = (
                f" (SessionDuration={session_duration} was asked: AWS accepts it only for a role session "
                "asked for with an IAM user's long-term keys; try without --duration)"
            )
        raise SetupError(
            f"{endpoint} refused getSigninToken: HTTP {error.code}{' ' + error.reason if error.reason else ''}"
            f"{hint}"
        ) from None
    except TimeoutError:
        raise SetupError(f"cannot reach {endpoint}: no answer within the time left (--timeout)") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            why = "no connection within the time left (--timeout)"
        elif isinstance(reason, OSError) and reason.strerror:
            why = f"could not connect ({reason.strerror})"
        else:
            why = "could not connect"
        raise SetupError(f"cannot reach {endpoint}: {why}") from None
    except OSError as error:
        raise SetupError(f"cannot reach {endpoint}: {error.strerror or type(error).__name__}") from None
    not_aws = f"{endpoint} did not answer getSigninToken as AWS's federation endpoint does"
    if len(body) > MAX_TOKEN_RESPONSE_BYTES:
        raise SetupError(f"{not_aws}: the answer is over {MAX_TOKEN_RESPONSE_BYTES} bytes")
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise SetupError(f"{not_aws}: the answer is not JSON") from None
    token = document.get("SigninToken") if isinstance(document, dict) else None
    if not isinstance(token, str) or not token:
        raise SetupError(f"{not_aws}: the answer has no SigninToken")
    return token


def sign_in(
    options: Options,
    boto3: Any,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    log: Callable[[str], None] = lambda line: None,
    progress: Progress | None = None,
    secrets: set[str] | None = None,
) -> Login:
    """Assume the role, exchange the session for a sign-in token, build the login URL.

    Every value met that grants access (credentials, request, token, URL) is added to the run's
    secrets (``secrets``, when given, is that set) as soon as it is known, so no message shows it."""
    run = Calls(options, boto3, clock, sleep, log, progress)
    if secrets is not None:
        run.seen_secrets = secrets
    session = run.session(profile_name=options.profile, region_name=options.region)
    caller = run.caller(session)
    chained = temporary_caller(caller, session)
    if chained and options.duration is not None and options.duration > ROLE_CHAINING_MAX_SECONDS:
        raise SetupError(
            f"--duration {options.duration}: the caller {caller} signs with temporary credentials, so "
            f"assuming the role is role chaining, which AWS limits to {ROLE_CHAINING_MAX_SECONDS} seconds: "
            f"give at most {ROLE_CHAINING_MAX_SECONDS}, or call with an IAM user's long-term keys"
        )
    response = _assume(run, session, options, caller)
    keys = [
        str(run.field(response, "sts", "assume_role", "Credentials", key))
        for key in ("AccessKeyId", "SecretAccessKey", "SessionToken")
    ]
    run.seen_secrets.update(keys)
    credentials = dict(zip(("AccessKeyId", "SecretAccessKey", "SessionToken"), keys, strict=True))
    assumed = str(response.get("AssumedRoleUser", {}).get("Arn", "the role's session"))
    expiration = response["Credentials"].get("Expiration", "unknown")
    expiration_text = expiration.isoformat() if hasattr(expiration, "isoformat") else str(expiration)
    # AWS's guide: SessionDuration only for AssumeRole credentials an IAM user's long-term keys asked for.
    session_duration = options.duration if not chained else None
    endpoint = federation_endpoint(options)
    request_url = signin_token_url(endpoint, credentials, session_duration)
    # The request as a whole, and the Session parameter as sent: a credential next to a letter or
    # digit of its encoding (%22ASIA...) is not found as a word of its own.
    run.seen_secrets.update({request_url, request_url.split("Session=", 1)[1]})
    token = _fetch_token(run, request_url, endpoint, session_duration)
    run.seen_secrets.add(token)
    region = console_region(options, session.region_name)
    url = login_url(endpoint, token, destination_url(options, region))
    run.seen_secrets.add(url)
    return Login(url, caller, assumed, expiration_text, session_duration)


def main(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    open_browser: Callable[[str], bool] | None = None,
) -> int:
    """The console script: returns the exit status. ``open_browser`` replaces webbrowser.open in tests."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    secrets: set[str] = set(secret_values(argv))

    def say(line: str, stream: TextIO) -> None:
        print(redact(line, secrets.copy()), file=stream, flush=True)

    try:
        options = parse_args(argv)
        try:
            import boto3  # type: ignore[import-untyped]
        except ImportError:
            raise UsageError(INSTALL_HINT) from None
        progress = Progress(options.endpoint_url or "AWS")
        budget = max(options.timeout, MIN_RUN_SECONDS)
        login = bounded(
            lambda: sign_in(
                options, boto3, log=lambda line: say(line, err), progress=progress, secrets=secrets
            ),
            budget + WATCHDOG_GRACE_SECONDS,
            progress,
            PROG,
        )
        secrets.add(login.url)
        lasts = (
            f"console session {login.session_duration} s"
            if login.session_duration is not None
            else f"console session until {login.expiration}"
        )
        if options.print_url:
            print(login.url, file=out, flush=True)  # the one place the URL is shown: asked for
            say(f"{PROG}: login URL for {login.assumed_arn} ({lasts}; the URL is valid for 15 minutes)", err)
            return EXIT_OK
        opener = open_browser or (lambda url: webbrowser.open(url, new=2))
        if not opener(login.url):
            raise SetupError(
                "no web browser could be opened: run again with --print to get the URL on stdout"
            )
        say(f"{PROG}: console opened as {login.assumed_arn} ({lasts})", err)
        return EXIT_OK
    except UsageError as error:
        say(f"{PROG}: error: {one_line(str(error))}", err)
        return EXIT_ERROR
    except KeyboardInterrupt:
        say(f"{PROG}: interrupted", err)
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - an answer not foreseen: one line, secrets hidden, exit 2
        # Hidden before it is cut: a secret cut in two would no longer be found whole.
        text = redact(one_line(str(error)), secrets.copy())[:300]
        say(f"{PROG}: error: the sign-in stopped on {type(error).__name__}: {text}", err)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
