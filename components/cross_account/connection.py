"""What the console scripts share: credentials, profile, endpoint, region and the time limit.

``cross-account-verify`` and ``cross-account-audit`` take the same ``--profile``,
``--region``, ``--endpoint-url`` and ``--timeout`` arguments, checked here the
same way, and call AWS through one ``Calls``: a deadline for the whole run,
clients whose connections and reads end by it (botocore's own retries off),
errors turned into one line, secret values never shown. ``bounded`` runs the
work in a thread and ends the run when the time is up, whatever blocks it.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol, TypeVar
from urllib.parse import quote, quote_plus, urlsplit
from xml.sax.saxutils import escape as xml_escape

from .iam.grammar import PROFILE_NAME_RE, REGION_RE

T = TypeVar("T")

DEFAULT_TIMEOUT_SECONDS = 60.0
MAX_TIMEOUT_SECONDS = 3600.0
MIN_RUN_SECONDS = 5.0
"""The calls of a first attempt get at least this long, whatever --timeout says (0 tries once)."""
MIN_ATTEMPT_SECONDS = 1.0
"""A retry starts only when at least this long is left before the deadline."""
CONNECT_TIMEOUT_MAX_SECONDS = 10.0
WATCHDOG_GRACE_SECONDS = 2.0
"""After the deadline, how long a call stuck where no socket timeout reaches it (DNS, a trickling answer) is given."""
DEFAULT_REGION = "us-east-1"
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 8.0
HIDDEN = "<hidden>"

# Every pattern is ASCII-only and matched against the whole string (fullmatch).
PROFILE_RE = PROFILE_NAME_RE
TIMEOUT_RE = re.compile(r"[0-9]{1,9}(?:\.[0-9]{0,9})?|\.[0-9]{1,9}", re.ASCII)
HOST_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\]", re.ASCII)
PROFILE_RULE = "is not a profile name (1-128 characters of letters, digits and _.@+=,:/-)"

CREDENTIAL_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "IncompleteSignature",
        "InvalidAccessKeyId",
        "UnrecognizedClientException",
        "AuthFailure",
        "AccessDenied",
        "RequestExpired",
    }
)


class Connection(Protocol):
    """What ``Calls`` reads of a command's checked options."""

    @property
    def profile(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def endpoint_url(self) -> str | None: ...
    @property
    def timeout(self) -> float: ...
    @property
    def secrets(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class ConnectionArgs:
    """The checked --profile, --region, --endpoint-url and --timeout."""

    profile: str | None
    region: str | None
    endpoint_url: str | None
    timeout: float


def add_connection_arguments(parser: argparse.ArgumentParser, calls: str) -> None:
    """--profile, --region, --endpoint-url, --timeout; ``calls`` says which calls they concern."""
    parser.add_argument("--profile", metavar="NAME", help="AWS profile with the caller's credentials")
    parser.add_argument("--region", metavar="NAME", help=f"region of {calls}")
    parser.add_argument("--endpoint-url", metavar="URL", help=f"send {calls} to this endpoint (an emulator)")
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        default=f"{DEFAULT_TIMEOUT_SECONDS:g}",
        help=f"the whole run's time limit in seconds, 0-{MAX_TIMEOUT_SECONDS:g}, connections and reads "
        f"included (a first attempt always gets {MIN_RUN_SECONDS:g} s): denials are retried while it lasts; "
        f"0 tries once (default {DEFAULT_TIMEOUT_SECONDS:g})",
    )


def check_profile(option: str, value: str) -> str:
    if not PROFILE_RE.fullmatch(value):
        raise UsageError(f"{option} {value!r} {PROFILE_RULE}")
    return value


def check_connection_arguments(args: argparse.Namespace) -> ConnectionArgs:
    """The arguments of ``add_connection_arguments``, checked; UsageError names the argument, value and rule."""
    if args.profile is not None:
        check_profile("--profile", args.profile)
    if args.region is not None and not REGION_RE.fullmatch(args.region):
        raise UsageError(f"--region {args.region!r} is not a valid AWS region name (like us-east-1)")
    endpoint_url = None if args.endpoint_url is None else check_endpoint_url(args.endpoint_url)
    return ConnectionArgs(args.profile, args.region, endpoint_url, check_timeout(args.timeout))


class UsageError(Exception):
    """The command line is wrong, or the setup cannot run it: exit 2."""


class SetupError(UsageError):
    """The check could not be carried out (no or rejected credentials, endpoint unreachable): exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:  # type: ignore[override]
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            raise UsageError(unrecognized(extra))
        return parsed


def unrecognized(words: Sequence[str]) -> str:
    """The error for words no option takes, naming only the unknown options: their values are never
    repeated (``--externalid SECRET`` is a misspelt --external-id, and the next word its secret)."""
    options = [word.split("=", 1)[0] for word in words if word.startswith("-") and word != "-"]
    hidden = len(words) - len(options)
    shown = ", ".join(dict.fromkeys(options)) or "none"
    values = sum("=" in word for word in words if word.startswith("-"))
    not_shown = hidden + values
    tail = f" ({not_shown} value{'s' if not_shown != 1 else ''} not shown)" if not_shown else ""
    if not options:
        return f"{hidden} unexpected word{'s' if hidden != 1 else ''} after ROLE_ARN (not shown; an option misspelt?)"
    return f"unknown option{'s' if len(options) > 1 else ''}: {shown}{tail}; see --help"


def check_endpoint_url(url: str) -> str:
    if "@" in url:  # user information may hold a password: the URL is not repeated
        raise UsageError(
            "--endpoint-url: a URL with user information (@) is not accepted; give the host only"
        )
    rule = (
        f"--endpoint-url {url!r} is not an http:// or https:// URL with a host (like http://127.0.0.1:5000)"
    )
    if not url.isascii() or not url.isprintable() or any(c.isspace() for c in url):
        raise UsageError(rule)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UsageError(rule) from None
    host = parts.netloc
    host = host[: host.rindex(":")] if port is not None or host.endswith(":") else host
    if parts.scheme not in ("http", "https") or not HOST_RE.fullmatch(host) or port == 0:
        raise UsageError(rule)
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise UsageError(f"--endpoint-url {url!r}: a query or fragment has no place in an endpoint URL")
    return url


def check_timeout(text: str) -> float:
    rule = f"--timeout {text!r} must be a number of seconds from 0 to {MAX_TIMEOUT_SECONDS:g}"
    if not TIMEOUT_RE.fullmatch(text):
        raise UsageError(rule)
    value = float(text)
    if not math.isfinite(value) or not 0 <= value <= MAX_TIMEOUT_SECONDS:
        raise UsageError(rule)
    return value


def encodings(secret: str) -> set[str]:
    """The forms a secret may come back in from an endpoint: URL-encoded (once or twice), JSON- and
    XML-escaped (named, decimal and hex references), hex. Base64 is found by ``_base64_hidden``."""
    forms = {
        quote(secret, safe=""),
        quote(secret, safe="/"),
        quote_plus(secret),
        quote(quote(secret, safe=""), safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        "".join(f"\\u{ord(c):04x}" for c in secret),
        html.escape(secret),
        xml_escape(secret, {"'": "&apos;", '"': "&quot;"}),
        "".join(f"&#{ord(c)};" for c in secret),
        "".join(f"&#x{ord(c):x};" for c in secret),
        secret.encode().hex(),
    }
    return {form for form in forms if form != secret}


BASE64_RUN_RE = re.compile(r"[A-Za-z0-9+/_-]{4,}={0,2}", re.ASCII)


def _base64_cores(secret: str) -> list[str]:
    """What the secret's bytes always encode to in base64 (standard and URL-safe), wherever they start
    in the encoded data: the characters made of the secret's bits only, at each of the 3 alignments."""
    raw = secret.encode()
    cores = []
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * shift + raw + b"\0\0").decode()
            first = -(-8 * shift // 6)  # the first character whose 6 bits are all the secret's
            last = (8 * (shift + len(raw))) // 6  # past the last such character
            core = text[first:last]
            if len(core) >= 4:
                cores.append(core)
    return cores


BASE64_WINDOW = 16
"""A run holding this many characters of a secret's base64 in a row is hidden (96 bits: never by chance),
so that a cut answer hides it too; a shorter secret's whole encoding is looked for."""


def _base64_hidden(text: str, secrets: Iterable[str]) -> str:
    windows: set[str] = set()
    for secret in secrets:
        for core in _base64_cores(secret):
            width = min(len(core), BASE64_WINDOW)
            windows.update(core[start : start + width] for start in range(len(core) - width + 1))
    if not windows:
        return text
    return BASE64_RUN_RE.sub(lambda m: HIDDEN if any(w in m.group(0) for w in windows) else m.group(0), text)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by <hidden>: as a word of its own (not inside a longer
    word), and in any form an endpoint may echo it in (``encodings``, base64: the whole run hidden)."""
    found = sorted({s for s in secrets if s}, key=len, reverse=True)
    text = _base64_hidden(text, found)
    for secret in found:
        for form in sorted(encodings(secret), key=len, reverse=True):
            text = re.sub(re.escape(form), HIDDEN, text, flags=re.IGNORECASE)
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", HIDDEN, text)
    return text


def operation_name(operation: str) -> str:
    """botocore's method name as the API names the operation: get_caller_identity -> GetCallerIdentity."""
    return "".join(part.capitalize() for part in operation.split("_"))


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def error_code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None


def os_reason(error: BaseException | None) -> str | None:
    """The innermost operating-system reason in an exception chain ("Connection refused")."""
    reason = None
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.strerror:
            reason = error.strerror
        error = error.__cause__ or error.__context__
    return reason


def backoff_delays(timeout: float) -> list[float]:
    """The pauses between attempts: 1, 2, 4, 8, 8, ... seconds, adding up to at most ``timeout``."""
    delays: list[float] = []
    delay, total = BACKOFF_FIRST_SECONDS, 0.0
    while total + delay <= timeout:
        delays.append(delay)
        total += delay
        delay = min(delay * 2, BACKOFF_MAX_SECONDS)
    return delays


@dataclass
class Progress:
    """Where the run is: the endpoint of the call in flight (read by the watchdog in ``main``)."""

    endpoint: str = "AWS"


class Calls:
    """One run: the deadline, the clients built from the time left, errors turned into exits."""

    def __init__(
        self,
        options: Connection,
        boto3: Any,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        log: Callable[[str], None],
        progress: Progress | None,
    ) -> None:
        from botocore import exceptions  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]

        self.options = options
        self.boto3 = boto3
        self.clock = clock
        self.sleep = sleep
        self.log = log
        self.progress = progress or Progress()
        self.errors = exceptions
        from botocore.parsers import ResponseParserError  # type: ignore[import-untyped]

        self.parser_errors: tuple[type[Exception], ...] = (ResponseParserError,)
        self.config_class = Config
        self.seen_secrets: set[str] = set()
        """Values met during the run (credentials, a policy's external ids): hidden like options.secrets."""
        self.budget = max(options.timeout, MIN_RUN_SECONDS)
        self.deadline = clock() + self.budget
        self.delays = backoff_delays(options.timeout)

    def describe(self, error: Exception) -> str:
        """AWS's code and message (or botocore's words) in one line, secret values hidden."""
        response = getattr(error, "response", None)
        error_part = response.get("Error") if isinstance(response, dict) else None
        metadata = response.get("ResponseMetadata", {}) if isinstance(response, dict) else {}
        status = metadata.get("HTTPStatusCode")
        code = error_part.get("Code") if isinstance(error_part, dict) else None
        if isinstance(response, dict) and (code in (None, "", "Unknown") or code == str(status)):
            # Not an AWS error document (an HTML 404 page): only the status says anything.
            text = f"HTTP {status}, not an AWS error response"
        elif isinstance(error_part, dict):
            text = one_line(f"{code}: {error_part.get('Message', '')}").rstrip(": ")
        else:
            text = one_line(f"{type(error).__name__}: {error}")
        return self.hide(text)

    def hide(self, text: str) -> str:
        """``text`` with every secret of the options and of the run hidden."""
        return redact(text, (*self.options.secrets, *self.seen_secrets.copy()))

    def session(self, **kwargs: Any) -> Any:
        try:
            return self.boto3.Session(**kwargs)
        except self.errors.ProfileNotFound as error:
            name = kwargs.get("profile_name") or self.options.profile
            where = f"--profile {name!r}" if name else f"AWS_PROFILE {os.environ.get('AWS_PROFILE', '')!r}"
            raise UsageError(f"{where}: {self.describe(error)}") from None
        except self.errors.BotoCoreError as error:
            raise SetupError(f"cannot use the AWS configuration: {self.describe(error)}") from None

    def client(self, session: Any, service: str, **credentials: Any) -> Any:
        """A client whose connection and reads end by the deadline, without botocore's own retries.

        ``credentials`` (aws_access_key_id, ...), when given, replace the session's own."""
        left = self.deadline - self.clock()
        if left <= 0:
            raise SetupError(
                f"cannot reach {self.progress.endpoint}: no complete answer within {self.budget:g}s (--timeout)"
            )
        connect = min(left / 2, CONNECT_TIMEOUT_MAX_SECONDS)
        config = self.config_class(
            connect_timeout=connect, read_timeout=left - connect, retries={"total_max_attempts": 1}
        )
        region = self.options.region or session.region_name or DEFAULT_REGION
        try:
            client = session.client(
                service,
                region_name=region,
                endpoint_url=self.options.endpoint_url,
                config=config,
                **credentials,
            )
        except self.errors.InvalidRegionError as error:
            raise SetupError(f"region {region!r} is not valid: {self.describe(error)}") from None
        except (self.errors.BotoCoreError, ValueError) as error:  # AWS_ENDPOINT_URL=notaurl: ValueError
            raise SetupError(f"cannot use the AWS configuration: {self.describe(error)}") from None
        self.progress.endpoint = str(client.meta.endpoint_url)
        return client

    def call(self, session: Any, service: str, operation: str, **params: Any) -> Any:
        """One API call; a connection that fails or times out is a setup error naming the endpoint."""
        return self.call_with(self.client(session, service), operation, **params)

    def call_with(self, client: Any, operation: str, **params: Any) -> Any:
        """One API call with ``client``: errors as in ``call``."""
        service = str(client.meta.service_model.endpoint_prefix)
        try:
            return getattr(client, operation)(**params)
        except (self.errors.ConnectionError, self.errors.HTTPClientError) as error:
            raise SetupError(self.unreachable(client, error)) from None
        except self.parser_errors:
            # Its text holds the body, which may repeat anything the request sent: not shown.
            raise SetupError(
                f"{client.meta.endpoint_url} did not answer {service}:{operation_name(operation)} as "
                f"{service.upper()} does: the answer is not an AWS response (empty, or not XML)"
            ) from None

    def field(self, response: Any, service: str, operation: str, *path: str) -> Any:
        """``response[path[0]][path[1]]...``; an answer without it is a setup error naming the field."""
        value = response
        for key in path:
            if not isinstance(value, dict) or value.get(key) in (None, ""):
                raise SetupError(
                    f"{self.progress.endpoint} did not answer {service}:{operation_name(operation)} as "
                    f"{service.upper()} does: the answer has no {'.'.join(path)}"
                )
            value = value[key]
        return value

    def unreachable(self, client: Any, error: Exception) -> str:
        endpoint = str(client.meta.endpoint_url)
        if isinstance(error, self.errors.ConnectTimeoutError):
            why = "no connection within the time left (--timeout)"
        elif isinstance(error, self.errors.ReadTimeoutError):
            why = "no answer within the time left (--timeout)"
        elif isinstance(error, self.errors.EndpointConnectionError):
            reason = os_reason(getattr(error, "kwargs", {}).get("error"))
            why = "could not connect" + (f" ({reason})" if reason else "")
        elif isinstance(error, self.errors.ConnectionClosedError):
            why = "the connection closed before an answer"
        else:
            why = self.describe(error)
        message = f"cannot reach {endpoint}: {why}"
        region = str(client.meta.region_name)
        if self.options.endpoint_url is None and not self._known_region(region):
            given = "--region" if self.options.region else "region (from the profile or AWS_DEFAULT_REGION)"
            message += f"; {given} {region!r} is not a valid AWS region: no AWS partition has it"
        return message

    def _known_region(self, region: str) -> bool:
        session = self.boto3.Session()
        try:
            partitions = session.get_available_partitions()
            return any(region in session.get_available_regions("sts", partition_name=p) for p in partitions)
        except Exception:  # without botocore's data the region cannot be judged
            return True

    def next_delay(self) -> float | None:
        """The pause before the next attempt, or None when no attempt fits in the time left."""
        if not self.delays:
            return None
        delay = self.delays[0]
        if self.clock() + delay + MIN_ATTEMPT_SECONDS > self.deadline:
            return None
        return self.delays.pop(0)

    def caller(self, session: Any) -> str:
        """The caller's ARN; no, rejected or unknown credentials are setup errors."""
        while True:
            try:
                identity = self.call(session, "sts", "get_caller_identity")
                return str(self.field(identity, "sts", "get_caller_identity", "Arn"))
            except self.errors.NoCredentialsError:
                raise SetupError(
                    "no AWS credentials: set AWS_PROFILE or pass --profile, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
                ) from None
            except self.errors.ClientError as error:
                code = error_code(error)
                delay = self.next_delay() if code == "InvalidClientTokenId" else None
                if delay is None:
                    what = (
                        "the caller's credentials do not work"
                        if code in CREDENTIAL_CODES
                        else f"{self.progress.endpoint} did not answer sts:GetCallerIdentity as STS does"
                    )
                    raise SetupError(f"{what}: {self.describe(error)}") from None
                self.log(f"credentials not accepted yet, retrying in {delay:g}s: {self.describe(error)}")
                self.sleep(delay)
            except self.errors.BotoCoreError as error:
                raise SetupError(f"the caller's credentials cannot be used: {self.describe(error)}") from None


def watchdog_seconds(timeout: float) -> float:
    """How long the watchdog lets a whole run take: ``--timeout``, at least MIN_RUN_SECONDS, plus its grace."""
    return max(timeout, MIN_RUN_SECONDS) + WATCHDOG_GRACE_SECONDS


def bounded(work: Callable[[], T], seconds: float, progress: Progress, name: str) -> T:
    """``work()`` in a thread given ``seconds``; past them the run ends as unreachable, whatever blocks it."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed back to the caller below
            outcome["error"] = error

    worker = threading.Thread(target=target, name=name, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise SetupError(
            f"cannot reach {progress.endpoint}: no complete answer within {seconds - WATCHDOG_GRACE_SECONDS:g}s "
            "(--timeout)"
        )
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value
