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

This module reads AWS (``sign_in``) and holds the command (``main``): its options are in
``console_options``, its URLs in ``console_urls``. None imports pulumi or the components: only the
connection code, cross-account-verify's checks and the pure documents layer
(``cross_account/__init__.py`` does import pulumi when the package itself is imported;
tests/test_console.py loads this module without it).
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

# The names of the connection code, the options, the URLs and cross-account-verify this module
# has always offered stay importable from it.
from .connection import (
    HOST_RE as HOST_RE,
    Calls,
    Parser as Parser,
    Progress,
    SetupError,
    UsageError,
    add_connection_arguments as add_connection_arguments,
    bounded,
    check_connection_arguments as check_connection_arguments,
    check_endpoint_url as check_endpoint_url,
    error_code,
    one_line,
    redact,
    watchdog_seconds,
)
from .console_options import (
    DEFAULT_SESSION_NAME as DEFAULT_SESSION_NAME,
    LOOPBACK_HOSTS as LOOPBACK_HOSTS,
    MAX_DURATION_SECONDS as MAX_DURATION_SECONDS,
    MIN_DURATION_SECONDS as MIN_DURATION_SECONDS,
    PROG,
    USAGE as USAGE,
    Options,
    _check_destination as _check_destination,
    _check_duration as _check_duration,
    _check_federation_endpoint as _check_federation_endpoint,
    _check_url as _check_url,
    _parser as _parser,
    assume_role_request,
    parse_args,
)
from .console_urls import (
    CONSOLE_HOSTS as CONSOLE_HOSTS,
    DEFAULT_REGIONS as DEFAULT_REGIONS,
    FEDERATION_ENDPOINTS as FEDERATION_ENDPOINTS,
    ISSUER as ISSUER,
    console_region,
    default_destination as default_destination,
    destination_url,
    federation_endpoint,
    login_url,
    signin_token_url,
)
from .documents import SIGNIN_HOSTS as SIGNIN_HOSTS
from .iam.grammar import region_partition as region_partition
from .limits import (
    MAX_SESSION_SECONDS as MAX_SESSION_SECONDS,
    MIN_CLI_SESSION_SECONDS as MIN_CLI_SESSION_SECONDS,
    ROLE_CHAINING_MAX_SECONDS,
)
from .verify import TRANSIENT_CODES
from .verify_options import (
    SECRET_OPTIONS as SECRET_OPTIONS,
    CallerOptions as CallerOptions,
    _check_tags as _check_tags,
    add_caller_arguments as add_caller_arguments,
    caller_request as caller_request,
    parse_role_command as parse_role_command,
    secret_values as secret_values,
)

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

INSTALL_HINT = "cross-account-console needs boto3: pip install 'cross-account[verify]'"
MAX_TOKEN_RESPONSE_BYTES = 65536


@dataclass(frozen=True)
class Login:
    """What a sign-in gave: the login URL (a bearer secret) and who it signs in as."""

    url: str = field(repr=False)
    caller_arn: str
    assumed_arn: str
    expiration: str
    session_duration: int | None
    """The SessionDuration sent to getSigninToken; None: the console session lasts as the credentials do."""


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
        login = bounded(
            lambda: sign_in(
                options, boto3, log=lambda line: say(line, err), progress=progress, secrets=secrets
            ),
            watchdog_seconds(options.timeout),
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
