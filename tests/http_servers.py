"""HTTP servers on 127.0.0.1 that answer STS wrongly: for cross-account-verify's setup errors and secrets.

Each runs as its own process, started by the test and stopped by its process id. The mode says
what it answers:

- ``garbage``: 200 with a body that is not XML; ``empty``: 200 with no body; ``not-found``: 404
  with an HTML page; ``no-arn``: a GetCallerIdentity answer without ``Arn``;
- ``works``: GetCallerIdentity and AssumeRole work (the session's name in the assumed ARN, which
  GetCallerIdentity with the session's keys answers, is the session tags sent, joined by commas);
- ``error:<Code>``: GetCallerIdentity works, AssumeRole fails with that STS error code;
- ``echo-credentials``: every call fails (InvalidClientTokenId) with a message that repeats the
  request's session token and Authorization header (its access key id);
- ``echo:<encoding>``: GetCallerIdentity works, AssumeRole is refused (AccessDenied) with a message
  that repeats the request's ExternalId and TokenCode in that encoding (plain, url, url-twice,
  base64, base64url, json, json-unicode, xml-decimal, xml-hex, hex).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tcp_servers import serve

SERVER = r"""
import base64, html, json, sys, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

mode = sys.argv[1]
NS = "https://sts.amazonaws.com/doc/2011-06-15/"
CALLER = "arn:aws:iam::444455556666:user/alice"
ASSUMED = [""]


def encoded(value, how):
    raw = value.encode()
    return {
        "plain": value,
        "url": urllib.parse.quote(value, safe=""),
        "url-twice": urllib.parse.quote(urllib.parse.quote(value, safe=""), safe=""),
        "base64": "xx" + base64.b64encode(b"k=" + raw).decode(),
        "base64url": base64.urlsafe_b64encode(b"id:" + raw).decode().rstrip("="),
        "json": json.dumps({"id": value}).replace("/", "\\/"),
        "json-unicode": "".join("\\u%04x" % ord(c) for c in value),
        "xml-decimal": "".join("&#%d;" % ord(c) for c in value),
        "xml-hex": "".join("&#x%X;" % ord(c) for c in value),
        "hex": raw.hex(),
    }[how]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="text/xml"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, code, message, status=400):
        self.answer(
            status,
            f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
            f"<Message>{html.escape(message, quote=False)}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>",
        )

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        action = form.get("Action", [""])[0]
        if mode == "garbage":
            return self.answer(200, "\x01<<not xml at all>>", "application/octet-stream")
        if mode == "empty":
            return self.answer(200, "")
        if mode == "not-found":
            return self.answer(404, "<html><body>Not Found</body></html>", "text/html")
        if mode == "echo-credentials":  # as a broken proxy might: the request's own credentials
            said = f"token={self.headers.get('X-Amz-Security-Token')} auth={self.headers.get('Authorization')}"
            return self.error("InvalidClientTokenId", "bad request " + said, 403)
        if action == "GetCallerIdentity":
            who = ASSUMED[0] if "ASIAEXAMPLE" in self.headers.get("Authorization", "") else CALLER
            arn = "" if mode == "no-arn" else f"<Arn>{who}</Arn>"
            return self.answer(
                200,
                f'<GetCallerIdentityResponse xmlns="{NS}"><GetCallerIdentityResult>{arn}'
                "<UserId>AIDAALICE</UserId><Account>444455556666</Account></GetCallerIdentityResult>"
                "<ResponseMetadata><RequestId>r-0</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
            )
        if action == "AssumeRole" and mode == "works":
            name = form["RoleArn"][0].rsplit("/", 1)[-1]
            tags = ",".join(form[k][0] for k in sorted(form) if k.startswith("Tags.member."))
            ASSUMED[0] = f"arn:aws:sts::111122223333:assumed-role/{name}/{tags}"
            return self.answer(
                200,
                f'<AssumeRoleResponse xmlns="{NS}"><AssumeRoleResult><Credentials>'
                "<AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
                "<SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"
                f"<AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/{name}/{tags}</Arn>"
                "<AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>"
                "<ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></AssumeRoleResponse>",
            )
        if mode.startswith("error:"):
            return self.error(mode.split(":", 1)[1], "the service says no for now")
        if mode.startswith("echo:"):
            how = mode.split(":", 1)[1]
            said = [encoded(form[k][0], how) for k in ("ExternalId", "TokenCode") if k in form]
            return self.error("AccessDenied", "Not authorized with " + " and ".join(said), 403)
        return self.error("InvalidAction", "unexpected " + action)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@contextlib.contextmanager
def http_server(mode: str) -> Iterator[str]:
    """Start the server in ``mode``; yields its URL; stops it by its pid."""
    with serve(SERVER, mode) as url:
        yield url
