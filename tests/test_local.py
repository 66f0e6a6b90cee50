"""make local (local/run.py, local/emulator.py): everything but the Pulumi CLI itself.

The tests run without the Pulumi CLI, so ``FakePulumi`` stands
in for it: it records every call and does to the files and to the emulator
what the CLI would do, running the real ``__main__.py`` (through the one mocks
harness) with mocks that create the resources in moto with the deployer keys
the CLI was given. Everything else is real: moto as a server on 127.0.0.1,
the account setup, IAM authentication, and ``cross-account-verify`` run as a
subprocess as each caller of the trusted account (the outsider with
``--expect-deny``). Processes make local must not stop are real ones too
(``sleep``, a moto server started for another URL), stopped by their pid.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from conftest import PROJECT, ROOT, TRUSTED_ACCOUNT, TRUSTING_ACCOUNT, run_main
from emulator import EmulatorMocks, account_session, moto_server, new_session, post, prepare_moto_server

from cross_account import verify as verify_cli
from local import emulator, run as local_run

ROLE_ARN = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/my-s3-x-account-role"
POLICY_ARN = f"arn:aws:iam::{TRUSTED_ACCOUNT}:policy/my-s3-x-account-policy"


def write_state(backend: Path, stack: str, outputs: Mapping[str, Any], secret: tuple[str, ...] = ()) -> Path:
    """A file backend's state of a stack as the Pulumi CLI writes it (the parts make local reads):
    the root pulumi:pulumi:Stack resource with the stack's outputs, each of ``secret`` encrypted."""
    sealed = {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        "ciphertext": "v1:AAAA:BBBB",
    }
    path = backend / ".pulumi" / "stacks" / PROJECT / f"{stack}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    stack_urn = f"urn:pulumi:{stack}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{stack}"
    resources = [
        {"urn": stack_urn, "custom": False, "type": "pulumi:pulumi:Stack", "outputs": {
            name: sealed if name in secret else value for name, value in outputs.items()
        }},
        {"urn": f"urn:pulumi:{stack}::{PROJECT}::pulumi:providers:aws::default", "custom": True,
         "type": "pulumi:providers:aws", "parent": stack_urn},
    ]  # fmt: skip
    state = {
        "version": 3,
        "checkpoint": {
            "stack": f"organization/{PROJECT}/{stack}",
            "latest": {"manifest": {}, "resources": resources},
        },
    }
    path.write_text(json.dumps(state))
    return path


class FakePulumi:
    """Stands in for the Pulumi CLI: records each call and does what the CLI would do.

    ``stack init`` rewrites the root ``Pulumi.<stack>.yaml`` with an encryption
    salt (as the CLI does, dropping its comments); ``config set --secret``
    keeps the value; ``up`` runs the real program with the generated config
    file, its resources created in the emulator with the deployer keys it was
    given, and writes the stack's state file (``write_state``); ``stack output --json``
    prints that run's outputs.
    """

    def __init__(self, revoke_after_up: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.envs: list[dict[str, str]] = []
        self.secrets: dict[str, dict[str, str]] = {}
        self.outputs: dict[str, dict[str, Any]] = {}
        self.revoke_after_up = revoke_after_up

    def __call__(
        self, args: Sequence[str], *, env: Mapping[str, str], cwd: Path, capture: bool = False
    ) -> str:
        args = list(args)
        self.calls.append(args)
        self.envs.append(dict(env))
        if args[:2] == ["stack", "init"]:
            path = cwd / f"Pulumi.{args[2]}.yaml"
            document = {"encryptionsalt": f"v1:salt-of-{args[2]}", **yaml.safe_load(path.read_text())}
            path.write_text(yaml.safe_dump(document))
            return ""
        stack = args[args.index("--stack") + 1]
        if args[:2] == ["config", "set"]:
            self.secrets.setdefault(stack, {})[args[-2]] = args[-1]
            return ""
        if args[0] == "up":
            self._up(stack, Path(args[args.index("--config-file") + 1]))
            write_state(Path(urlparse(env["PULUMI_BACKEND_URL"]).path), stack, self.outputs[stack])
            return ""
        if args[:2] == ["stack", "output"]:
            assert capture, "stack output is read, not shown"
            return json.dumps(self.outputs[stack])
        if args[0] == "destroy":
            return ""
        raise AssertionError(f"unexpected pulumi call {args}")

    def _up(self, stack: str, config_file: Path) -> None:
        config = yaml.safe_load(config_file.read_text())["config"]
        url = config["aws:endpoints"][0]["iam"]
        keys = self.secrets[stack]
        deployer = new_session(
            aws_access_key_id=keys["aws:accessKey"],
            aws_secret_access_key=keys["aws:secretKey"],
            region_name=config["aws:region"],
        )
        account = deployer.client("sts", endpoint_url=url).get_caller_identity()["Account"]
        references = {f"organization/{PROJECT}/{s}": outputs for s, outputs in self.outputs.items()}
        mocks = EmulatorMocks(account, stack_outputs=references, session=deployer, endpoint_url=url)
        self.outputs[stack] = run_main(stack=stack, config=config, mocks=mocks).outputs
        if stack == "trusted" and self.revoke_after_up:
            iam = deployer.client("iam", endpoint_url=url)
            iam.detach_user_policy(UserName="alice", PolicyArn=POLICY_ARN)
            iam.detach_group_policy(GroupName="s3-readers", PolicyArn=POLICY_ARN)


@pytest.fixture
def project(tmp_path: Path) -> local_run.Paths:
    """A project root holding copies of the committed stack files (make local never writes the real ones here)."""
    for stack in local_run.STACKS:
        shutil.copy(ROOT / f"Pulumi.{stack}.yaml", tmp_path / f"Pulumi.{stack}.yaml")
    return local_run.Paths(tmp_path)


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def server_url(moto_url: str) -> str:
    """The module's moto server, emptied, with AWS managed policies in both accounts."""
    prepare_moto_server(moto_url, TRUSTING_ACCOUNT, TRUSTED_ACCOUNT)
    return moto_url


def _local(paths: local_run.Paths, pulumi: FakePulumi) -> tuple[local_run.Local, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    base = {"PATH": os.environ["PATH"], "HOME": str(paths.root), "AWS_PROFILE": "production"}
    return local_run.Local(paths=paths, pulumi=pulumi, out=out, err=err, base_env=base), out, err


class Stops:
    def __init__(self) -> None:
        self.stopped: list[emulator.Server] = []

    def __call__(self, server: emulator.Server) -> bool:
        self.stopped.append(server)
        return True


@contextmanager
def started_emulator(log: Path) -> Iterator[emulator.Server]:
    """The moto server process make local starts; stopped by its pid afterwards, whatever the test did."""
    server = emulator.start(log)
    try:
        yield server
    finally:
        emulator.stop(server)


@contextmanager
def unrelated_process() -> Iterator[subprocess.Popen[bytes]]:
    """A real process that is not an emulator (``sleep``), killed by its pid afterwards."""
    process = subprocess.Popen(["sleep", "300"], stdin=subprocess.DEVNULL)
    try:
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


# make local, end to end with the stand-in CLI --------------------------------------------


def test_make_local_deploys_both_stacks_verifies_as_each_person_and_prints_the_way_in(
    project: local_run.Paths, server_url: str
) -> None:
    committed = {stack: project.committed_config(stack).read_bytes() for stack in local_run.STACKS}
    pulumi = FakePulumi()
    local, out, err = _local(project, pulumi)
    server = emulator.Server(pid=4242, url=server_url)
    stops = Stops()

    status = local.up(start=lambda log: server, stop=stops)

    assert (status, err.getvalue()) == (0, ""), out.getvalue()
    config = {stack: str(project.local_config(stack)) for stack in local_run.STACKS}
    deployers = {stack: pulumi.secrets[stack] for stack in local_run.STACKS}
    expected_calls = []
    for stack in local_run.STACKS:
        expected_calls += [
            ["stack", "init", stack, "--secrets-provider", "passphrase", "--no-select", "--non-interactive"],
            ["config", "set", "--secret", "--stack", stack, "--config-file", config[stack], "aws:accessKey"]
            + [deployers[stack]["aws:accessKey"]],
            ["config", "set", "--secret", "--stack", stack, "--config-file", config[stack], "aws:secretKey"]
            + [deployers[stack]["aws:secretKey"]],
            [
                "up",
                "--stack",
                stack,
                "--config-file",
                config[stack],
                "--yes",
                "--skip-preview",
                "--non-interactive",
            ],
        ]
    expected_calls += [["stack", "output", "--stack", s, "--json"] for s in local_run.STACKS]
    assert pulumi.calls == expected_calls
    assert deployers["trusting"]["aws:accessKey"] != deployers["trusted"]["aws:accessKey"]
    for env in pulumi.envs:
        assert env["PULUMI_BACKEND_URL"] == (project.root / ".pulumi-local" / "state").as_uri()
        assert env["PULUMI_CONFIG_PASSPHRASE"] == "local-emulator-only"
        assert "AWS_PROFILE" not in env, "the user's AWS profile must not reach the local stacks"

    for stack in local_run.STACKS:
        assert project.committed_config(stack).read_bytes() == committed[stack], "committed file given back"
        generated = yaml.safe_load(project.local_config(stack).read_text())
        assert generated["encryptionsalt"] == f"v1:salt-of-{stack}", "the salt the CLI wrote moves here"
    assert yaml.safe_load(project.local_config("trusting").read_text())["config"] == {
        "aws:region": "us-east-1",
        "cross-account-access:trustedAccountIds": ["444455556666"],
        "cross-account-access:roleName": "my-s3-x-account-role",
        "cross-account-access:managedPolicyArns": ["AmazonS3ReadOnlyAccess"],
        "aws:skipCredentialsValidation": True,
        "aws:skipRequestingAccountId": True,
        "aws:skipMetadataApiCheck": True,
        "aws:s3UsePathStyle": True,
        "aws:endpoints": [{"iam": server_url, "sts": server_url, "s3": server_url}],
    }

    role = account_session(TRUSTING_ACCOUNT).client("iam", endpoint_url=server_url)
    post(f"{server_url}/moto-api/reset-auth", b"inf")
    assert role.get_role(RoleName="my-s3-x-account-role")["Role"]["Arn"] == ROLE_ARN, (
        "made in the trusting account"
    )

    text = out.getvalue()
    assert "alice (user):\n    caller:  arn:aws:iam::444455556666:user/alice\n" in text
    assert (
        "s3-readers-member (member of group s3-readers):\n    caller:  arn:aws:iam::444455556666:user/s3-readers-member\n"
        in text
    )
    assert text.count("    probe s3:ListBuckets: 1 bucket(s): trusting-account-reports\n") == 2
    outsider = "arn:aws:iam::444455556666:user/outsider"
    assert (
        "outsider (user without the policy), with --expect-deny:\n"
        f"    caller:  {outsider}\n"
        f"    request: sts:AssumeRole on {ROLE_ARN} with RoleSessionName=cross-account-verify\n"
        f"    refused: AccessDenied: User: {outsider} is not authorized to perform: sts:AssumeRole\n"
        f"    denied as expected: {outsider} -> {ROLE_ARN}\n"
        "\n"
        "Who gets in, expected and seen:\n"
        "  who                                             expected  seen\n"
        "  alice (user)                                    in        in\n"
        "  s3-readers-member (member of group s3-readers)  in        in\n"
        "  outsider (user without the policy)              refused   refused\n"
        "\n"
        "make local: the access works.\n"
    ) in text
    assert (
        "make local: the access works.\n"
        f"  trusting account 111122223333: role {ROLE_ARN}\n"
        f"  trusted account  444455556666: policy {POLICY_ARN}\n"
        f"  emulator: moto at {server_url}, pid 4242, stopped now (`make local KEEP=1` keeps it)\n"
        "\n"
        "Switch role in the console (on AWS; the emulator has no console):\n"
        "  https://signin.aws.amazon.com/switchrole?account=111122223333&roleName=my-s3-x-account-role"
        "&displayName=my-s3-x-account-role%40111122223333\n"
        "\n"
        "AWS CLI profile for ~/.aws/config (pulumi stack output --stack trusted awsCliConfig):\n"
        "  [profile my-s3-x-account-role-111122223333]\n"
        f"  role_arn = {ROLE_ARN}\n"
        "  source_profile = default\n"
        "\n"
        "Remove it all: make local-destroy\n"
        "\n"
        "== cross-account-audit: the accounts compared with the stacks' outputs ==\n"
    ) in text
    audit = text.split("== cross-account-audit: the accounts compared with the stacks' outputs ==\n")[1]
    assert audit.splitlines()[0].strip() == "Roles"
    [row] = [line for line in audit.splitlines() if ROLE_ARN in line]
    exists, last_used = (cell.strip() for cell in row.split("│")[2:4])
    assert exists == "yes"
    assert re.fullmatch(r"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z", last_used), "used by verify just before"
    assert text.endswith("No findings in 2 account(s).\n"), audit
    assert json.loads(project.outputs("trusted").read_text())["policyArns"] == [POLICY_ARN]
    assert oct(project.audit_credentials.stat().st_mode & 0o777) == "0o600"
    assert stops.stopped == [server], "the emulator is stopped when make local exits"
    assert not project.emulator_record.exists()
    assert project.state.is_dir(), "the file backend's directory exists before the first CLI call"

    # make audit, after an operator attached AdministratorAccess to the role by hand
    role.attach_role_policy(
        RoleName="my-s3-x-account-role", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    emulator.enable_authentication(server_url)
    out.truncate(0)
    out.seek(0)
    assert local.audit(server_url) == 1
    [finding] = [line for line in out.getvalue().splitlines() if "unexpected-managed-policy" in line]
    assert finding.split("│")[1].strip() == "critical"
    assert "arn:aws:iam::aws:policy/AdministratorAccess is attached to the role" in out.getvalue()


def test_make_local_exits_1_and_marks_every_row_that_is_not_as_expected(
    project: local_run.Paths, server_url: str
) -> None:
    """The deployed access revoked before verify runs: the trusted callers are refused, the outsider still is."""
    local, out, err = _local(project, FakePulumi(revoke_after_up=True))
    stops = Stops()
    status = local.up(start=lambda log: emulator.Server(4242, server_url), stop=stops, verify_timeout=0)
    text = out.getvalue()
    assert (status, err.getvalue()) == (1, "")
    assert (
        "alice (user):\n    cross-account-verify: denied: sts:AssumeRole on "
        f"{ROLE_ARN} as arn:aws:iam::444455556666:user/alice: AccessDenied: User: "
        "arn:aws:iam::444455556666:user/alice is not authorized to perform: sts:AssumeRole\n"
    ) in text
    assert (
        "Who gets in, expected and seen:\n"
        "  who                                             expected  seen\n"
        "  alice (user)                                    in        refused   <- NOT as expected\n"
        "  s3-readers-member (member of group s3-readers)  in        refused   <- NOT as expected\n"
        "  outsider (user without the policy)              refused   refused\n"
        "\n"
        "make local: the access is NOT as expected for alice (user), "
        "s3-readers-member (member of group s3-readers) (see above).\n"
    ) in text
    assert len(stops.stopped) == 1, "stopped on a failure too"


def test_with_keep_the_summary_says_how_to_use_the_running_emulator(project: local_run.Paths) -> None:
    local, out, _ = _local(project, FakePulumi())
    outsider = local_run.Row(
        local_run.Caller("outsider", "outsider"), emulator.AccessKey("AKIAOUT", "o"), "refused"
    )
    role = emulator.AccessKey("ASIAROLE", "role-secret", "role-token")
    rows = [outsider, local_run.Row(local_run.Caller("ci", "role"), role, "in")]
    trusting = {"roleArn": ROLE_ARN, "switchRoleUrl": "https://signin.aws.amazon.com/switchrole?x"}
    trusted = {"policyArn": POLICY_ARN, "switchRoleUrls": ["https://u"], "awsCliConfig": "[profile p]\n"}
    local.summary(emulator.Server(7, "http://127.0.0.1:5123"), trusting, trusted, rows, keep=True)
    lines = out.getvalue().splitlines()
    assert lines[1] == "make local: the access works."
    assert "  emulator: moto at http://127.0.0.1:5123, pid 7, running until `make local-destroy`" in lines
    assert lines[-4:] == [
        "Try it as ci while the emulator runs:",
        "  AWS_ACCESS_KEY_ID=ASIAROLE AWS_SECRET_ACCESS_KEY=role-secret AWS_SESSION_TOKEN=role-token "
        f".venv/bin/cross-account-verify {ROLE_ARN} --endpoint-url http://127.0.0.1:5123",
        "",
        "Remove it all: make local-destroy",
    ], "the first caller expected to get in, with its session token"


# make audit -----------------------------------------------------------------------------------


def test_the_stack_outputs_are_read_from_the_root_stack_resource_of_the_state_file(tmp_path: Path) -> None:
    outputs = {
        "roleArn": ROLE_ARN,
        "roleName": "my-s3-x-account-role",
        "auditBaseline": {"maxSessionDuration": 3600},
    }
    path = write_state(tmp_path, "trusting", outputs)
    assert local_run.stack_outputs_from_state(path, "trusting") == outputs


def test_a_secret_output_in_the_state_is_refused_naming_it(tmp_path: Path) -> None:
    path = write_state(
        tmp_path, "trusting", {"roleArn": ROLE_ARN, "auditBaseline": {}}, secret=("auditBaseline",)
    )
    with pytest.raises(local_run.LocalError) as caught:
        local_run.stack_outputs_from_state(path, "trusting")
    assert str(caught.value) == (
        "stack trusting: output 'auditBaseline' is a secret, encrypted in the state: run cross-account-audit "
        "--stack-outputs with the file of `pulumi stack output --stack trusting --json --show-secrets`"
    )


def test_a_missing_or_broken_state_file_is_one_line_saying_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(
        local_run.LocalError, match=r"no state of stack trusted in .*: run `make local KEEP=1` first"
    ):
        local_run.stack_outputs_from_state(tmp_path / "trusted.json", "trusted")
    (tmp_path / "trusted.json").write_text(json.dumps({"checkpoint": {"latest": {"resources": []}}}))
    with pytest.raises(local_run.LocalError, match="holds 0 pulumi:pulumi:Stack resources, not 1"):
        local_run.stack_outputs_from_state(tmp_path / "trusted.json", "trusted")


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["audit", "--invoked-as", "make audit"], "make audit"),
        (["audit"], "python -m local.run audit"),
    ],
)
def test_make_audit_without_a_running_emulator_names_itself_and_says_what_to_run_instead(
    project: local_run.Paths, argv: list[str], name: str
) -> None:
    local, out, err = _local(project, FakePulumi())
    status = local_run.main(argv, local=local, which=lambda name: None)
    assert status == 1
    assert err.getvalue() == (
        f"{name}: no emulator is running: it audits what `make local KEEP=1` (python -m local.run up --keep, "
        "with the Pulumi CLI) leaves running, so run that first; to audit real accounts instead, run "
        "cross-account-audit --stack-outputs <file> (docs/audit.md)\n"
    )
    assert out.getvalue() == ""


def test_the_makefile_audit_target_passes_its_own_name() -> None:
    recipe = (ROOT / "Makefile").read_text().split("\naudit:", 1)[1].split("\n\n", 1)[0]
    assert "$(BIN)/python -m local.run audit --invoked-as 'make audit'" in recipe


def test_the_audit_credentials_file_has_one_profile_per_account() -> None:
    text = local_run.audit_credentials_text(
        {"222222222222": emulator.AccessKey("AKIA2", "s2"), "111111111111": emulator.AccessKey("AKIA1", "s1")}
    )
    assert text == (
        "[auditor-111111111111]\naws_access_key_id = AKIA1\naws_secret_access_key = s1\n\n"
        "[auditor-222222222222]\naws_access_key_id = AKIA2\naws_secret_access_key = s2\n"
    )


# make local-destroy ---------------------------------------------------------------------------


def test_destroy_with_a_running_emulator_destroys_trusted_then_trusting_stops_it_and_removes_the_files(
    project: local_run.Paths,
) -> None:
    project.local.mkdir()
    with started_emulator(project.emulator_log) as server:
        emulator.record(project.emulator_record, server)
        for stack in local_run.STACKS:
            project.stack_state(stack).parent.mkdir(parents=True, exist_ok=True)
            project.stack_state(stack).write_text("{}")
        pulumi = FakePulumi()
        local, out, err = _local(project, pulumi)
        assert local_run.main(["destroy"], local=local, which=lambda name: "/usr/bin/pulumi") == 0, (
            err.getvalue()
        )
        assert pulumi.calls == [
            [
                "destroy",
                "--stack",
                s,
                "--config-file",
                str(project.local_config(s)),
                "--yes",
                "--skip-preview",
            ]
            + ["--non-interactive"]
            for s in ("trusted", "trusting")
        ]
        assert emulator.running_command(server.pid) is None, "the emulator make local started is stopped"
        assert not emulator.responds(server.url)
        assert not project.local.exists()
        assert out.getvalue().splitlines()[-2:] == [
            f"stopped the emulator at {server.url} (pid {server.pid})",
            f"removed {project.local} (local Pulumi state, generated stack config, emulator log)",
        ]


def test_destroy_after_the_emulator_stopped_only_removes_the_files_and_needs_no_pulumi(
    project: local_run.Paths,
) -> None:
    project.local.mkdir()
    emulator.record(
        project.emulator_record, emulator.Server(999_999, f"http://127.0.0.1:{emulator.free_port()}")
    )
    pulumi = FakePulumi()
    local, out, err = _local(project, pulumi)
    assert local_run.main(["destroy"], local=local, which=lambda name: None) == 0
    assert (pulumi.calls, err.getvalue()) == ([], "")
    assert not project.local.exists()
    assert local_run.main(["destroy"], local=local, which=lambda name: None) == 0
    assert out.getvalue().splitlines() == [
        f"removed {project.local} (local Pulumi state, generated stack config, emulator log)",
        f"nothing to remove: no {project.local}",
    ]


# Only the process make local started is ever stopped ---------------------------------------------


def _refusal(pid: int, running: str, url: str, paths: local_run.Paths) -> str:
    port = url.rsplit(":", 1)[1]
    return (
        f"make local: pid {pid} runs `{running}`, not the emulator make local started for {url} "
        f"(`{sys.executable} -m moto.server -H 127.0.0.1 -p {port}`): stopped nothing, destroyed nothing; "
        f"stop what answers at {url} yourself if it is yours, then remove {paths.local} (rm -r {paths.local})\n"
    )


def test_destroy_stops_nothing_when_the_recorded_pid_is_an_unrelated_process_next_to_a_live_moto(
    project: local_run.Paths, moto_url: str
) -> None:
    project.local.mkdir()
    with unrelated_process() as sleep:
        emulator.record(project.emulator_record, emulator.Server(sleep.pid, moto_url))
        pulumi = FakePulumi()
        local, out, err = _local(project, pulumi)
        assert local_run.main(["destroy"], local=local, which=lambda name: "/usr/bin/pulumi") == 1
        assert err.getvalue() == _refusal(sleep.pid, "sleep 300", moto_url, project)
        assert sleep.poll() is None, "the unrelated process still runs"
        assert emulator.responds(moto_url), "the moto server it was recorded next to still answers"
        assert (pulumi.calls, out.getvalue()) == ([], "")
        assert project.emulator_record.exists(), "nothing is deleted either"
        assert emulator.stop(emulator.Server(sleep.pid, moto_url)) is False
        assert sleep.poll() is None, "emulator.stop itself never signals a process that is not its emulator"


def test_a_moto_server_started_for_another_url_is_not_stopped_by_destroy_nor_by_up(
    project: local_run.Paths, moto_url: str, tmp_path: Path
) -> None:
    project.local.mkdir()
    with started_emulator(tmp_path / "other.log") as other:
        emulator.record(project.emulator_record, emulator.Server(other.pid, moto_url))
        for command in ("destroy", "up"):
            pulumi = FakePulumi()
            local, out, err = _local(project, pulumi)
            assert local_run.main([command], local=local, which=lambda name: "/usr/bin/pulumi") == 1
            assert err.getvalue() == _refusal(other.pid, " ".join(other.command), moto_url, project), command
            assert emulator.responds(other.url) and emulator.responds(moto_url), command
            assert (pulumi.calls, out.getvalue()) == ([], ""), command


def test_a_reused_pid_with_nothing_answering_at_the_url_is_left_alone_and_the_files_removed(
    project: local_run.Paths,
) -> None:
    """After a reboot with KEEP=1, the recorded pid may belong to anything: make local's emulator is gone."""
    project.local.mkdir()
    with unrelated_process() as sleep:
        emulator.record(
            project.emulator_record, emulator.Server(sleep.pid, f"http://127.0.0.1:{emulator.free_port()}")
        )
        pulumi = FakePulumi()
        local, out, err = _local(project, pulumi)
        assert local_run.main(["destroy"], local=local, which=lambda name: None) == 0
        assert (pulumi.calls, err.getvalue()) == ([], "")
        assert sleep.poll() is None
        assert not project.local.exists()


# A corrupt record -----------------------------------------------------------------------------

GOOD = '"url": "http://127.0.0.1:5000"'


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{not json", "not JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        (b"", "not JSON: Expecting value at line 1 column 1"),
        (b"\xff\xfe{}", "not JSON: not UTF-8 text"),
        (b"{}", 'no "pid"'),
        (b"[]", "a JSON list where an object with pid, url and python belongs"),
        (b"null", "a JSON NoneType where an object with pid, url and python belongs"),
        (f'{{"pid": "4242", {GOOD}}}'.encode(), "\"pid\" is '4242', not a process id (an integer from 1 to 2147483647)"),
        (f'{{"pid": true, {GOOD}}}'.encode(), '"pid" is True, not a process id (an integer from 1 to 2147483647)'),
        (f'{{"pid": 0, {GOOD}}}'.encode(), '"pid" is 0, not a process id (an integer from 1 to 2147483647)'),
        (f'{{"pid": -1, {GOOD}}}'.encode(), '"pid" is -1, not a process id (an integer from 1 to 2147483647)'),
        (f'{{"pid": 4242.0, {GOOD}}}'.encode(), '"pid" is 4242.0, not a process id (an integer from 1 to 2147483647)'),
        (f'{{"pid": NaN, {GOOD}}}'.encode(), '"pid" is nan, not a process id (an integer from 1 to 2147483647)'),
        (f'{{"pid": {2**40}, {GOOD}}}'.encode(), f'"pid" is {2**40}, not a process id (an integer from 1 to 2147483647)'),
        (b'{"pid": 4242}', 'no "url"'),
        (b'{"pid": 4242, "url": 5000}', '"url" is 5000, not http://127.0.0.1:<port>'),
        (b'{"pid": 4242, "url": "http://10.0.0.1:5000"}', "\"url\" is 'http://10.0.0.1:5000', not http://127.0.0.1:<port>"),
        (b'{"pid": 4242, "url": "http://127.0.0.1:70000"}', "\"url\" is 'http://127.0.0.1:70000', not http://127.0.0.1:<port>"),
        (b'{"pid": 4242, "url": "http://127.0.0.1:5000\\n"}', "\"url\" is 'http://127.0.0.1:5000\\n', not http://127.0.0.1:<port>"),
        (f'{{"pid": 4242, {GOOD}, "python": "python3"}}'.encode(), "\"python\" is 'python3', not the absolute path of a Python"),
        (f'{{"pid": 4242, {GOOD}, "python": null}}'.encode(), '"python" is None, not the absolute path of a Python'),
        (f'{{"pid": 4242, {GOOD}, "port": 5000}}'.encode(), "unknown keys ['port']"),
    ],
    ids=[
        "not-json", "empty", "not-utf8", "empty-object", "list", "null", "pid-string", "pid-bool", "pid-zero",
        "pid-negative", "pid-float", "pid-nan", "pid-huge", "no-url", "url-number", "url-other-host",
        "url-port-range", "url-newline", "python-relative", "python-null", "unknown-key",
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["up", "destroy"])
def test_a_corrupt_emulator_record_is_one_line_saying_what_is_wrong_and_what_to_delete(
    project: local_run.Paths, command: str, content: bytes, problem: str
) -> None:
    project.local.mkdir()
    project.emulator_record.write_bytes(content)
    pulumi = FakePulumi()
    local, out, err = _local(project, pulumi)
    assert local_run.main([command], local=local, which=lambda name: "/usr/bin/pulumi") == 1
    record = project.emulator_record
    assert err.getvalue() == (
        f"make local: {record} is corrupt ({problem}): delete it with `rm {record}`, "
        f"or all that make local made with `rm -r {project.local}`\n"
    )
    assert (out.getvalue(), pulumi.calls) == ("", [])
    assert record.read_bytes() == content, "the record is left for the user to look at"


def test_a_record_that_cannot_be_read_is_reported_the_same_way(project: local_run.Paths) -> None:
    project.emulator_record.mkdir(parents=True)
    local, _, err = _local(project, FakePulumi())
    assert local_run.main(["destroy"], local=local, which=lambda name: None) == 1
    assert err.getvalue().startswith(
        f"make local: {project.emulator_record} is corrupt (unreadable: Is a directory)"
    )


# The Pulumi CLI missing ------------------------------------------------------------------------


def test_without_the_pulumi_cli_make_local_stops_at_once_with_one_line_saying_how_to_install_it(
    project: local_run.Paths,
) -> None:
    pulumi = FakePulumi()
    local, out, err = _local(project, pulumi)
    assert local_run.main(["up"], local=local, which=lambda name: None) == 127
    assert err.getvalue() == (
        "python -m local.run up needs the Pulumi CLI, which is not on PATH: install it with "
        "`curl -fsSL https://get.pulumi.com | sh` (or see https://www.pulumi.com/docs/install/), "
        "then run python -m local.run up again\n"
    ), "a user who ran the module is not told to run make"
    assert (out.getvalue(), pulumi.calls, project.local.exists()) == ("", [], False)


@pytest.mark.parametrize(
    ("argv", "invoked"),
    [
        (["up", "--keep"], "python -m local.run up --keep"),
        (["up", "--invoked-as", "make local KEEP=1"], "make local KEEP=1"),
        (["up", "--invoked-as", "make local"], "make local"),
    ],
)
def test_the_missing_cli_line_names_the_command_as_it_was_run(
    project: local_run.Paths, argv: list[str], invoked: str
) -> None:
    local, _, err = _local(project, FakePulumi())
    assert local_run.main(argv, local=local, which=lambda name: None) == 127
    assert err.getvalue().splitlines() == [local_run.install_pulumi(invoked)]
    assert err.getvalue().count(f"then run {invoked} again") == 1


def test_the_make_target_reports_the_missing_cli_in_one_line(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}  # no pulumi on this PATH, whatever the machine has
    done = subprocess.run(
        [sys.executable, "-m", "local.run", "up"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (127, "")
    assert done.stderr.splitlines() == [local_run.install_pulumi("python -m local.run up")]


# Pure parts --------------------------------------------------------------------------------------


def test_the_provider_sends_iam_sts_and_s3_to_the_emulator_and_skips_aws_only_checks() -> None:
    assert local_run.provider_config("http://127.0.0.1:5123", "eu-west-1") == {
        "aws:region": "eu-west-1",
        "aws:skipCredentialsValidation": True,
        "aws:skipRequestingAccountId": True,
        "aws:skipMetadataApiCheck": True,
        "aws:s3UsePathStyle": True,
        "aws:endpoints": [
            {"iam": "http://127.0.0.1:5123", "sts": "http://127.0.0.1:5123", "s3": "http://127.0.0.1:5123"}
        ],
    }


def test_the_generated_stack_file_is_the_committed_config_then_the_emulator_settings() -> None:
    committed = {
        "aws:region": "us-west-2",
        "aws:skipMetadataApiCheck": False,
        "cross-account-access:roleName": "r",
    }
    document = local_run.local_stack_file(committed, "http://h:1", "v1:salt")
    assert list(document) == ["encryptionsalt", "config"]
    assert document["config"]["cross-account-access:roleName"] == "r"
    assert document["config"]["aws:region"] == "us-west-2", "the committed region is kept"
    assert document["config"]["aws:skipMetadataApiCheck"] is True, "the emulator settings win"
    assert "encryptionsalt" not in local_run.local_stack_file(committed, "http://h:1", None)


def test_the_generated_stack_file_leaves_out_the_committed_account_guard(project: local_run.Paths) -> None:
    # With aws:skipRequestingAccountId the provider checks the account "" against aws:allowedAccountIds
    # and stops ("AWS account ID not allowed: "): hashicorp/aws-sdk-go-base, Config.VerifyAccountIDAllowed,
    # called by terraform-provider-aws internal/conns/config.go after GetAwsAccountIDAndPartition.
    for stack in local_run.STACKS:
        committed = local_run.committed_stack_config(project, stack)
        assert committed["aws:allowedAccountIds"] == [local_run.ACCOUNTS[stack]], "the emulated account"
        generated = local_run.local_stack_file(committed, "http://h:1", None)["config"]
        assert "aws:allowedAccountIds" not in generated
        assert generated["aws:skipRequestingAccountId"] is True
        assert {
            k: v for k, v in committed.items() if k != "aws:allowedAccountIds"
        }.items() <= generated.items()


def test_a_committed_stack_file_make_plan_refuses_is_refused_in_the_same_words(
    project: local_run.Paths,
) -> None:
    path = project.committed_config("trusted")
    path.write_bytes(b"config:\n  cross-account-access:userNames: [\xff]\n")
    with pytest.raises(local_run.LocalError) as caught:
        local_run.plan(project)
    assert str(caught.value) == f"{path} is not UTF-8 text (byte 0xff at offset 43)"


def test_the_plan_reads_the_people_from_the_committed_trusted_stack(project: local_run.Paths) -> None:
    wanted = local_run.plan(project)
    assert (wanted.users, wanted.groups, wanted.roles, wanted.new_group) == (
        ("alice",),
        ("s3-readers",),
        (),
        None,
    )
    assert [c.label for c in wanted.callers] == [
        "alice (user)",
        "s3-readers-member (member of group s3-readers)",
        "outsider (user without the policy)",
    ]
    assert wanted.user_names == ("alice", "outsider")


TRUSTED_WITH_ROLES_AND_A_NEW_GROUP = """\
config:
  aws:region: us-east-1
  cross-account-access:policyName: my-s3-x-account-policy
  cross-account-access:userNames:
    - alice
  cross-account-access:groupNames:
    - s3-readers
  cross-account-access:roleNames:
    - ci-deployer
    - auditor
  cross-account-access:newGroupName: release-team
  cross-account-access:newGroupMembers:
    - bob
    - carol
"""


def test_the_plan_picks_up_role_names_and_the_new_group_when_the_stack_file_sets_them(
    project: local_run.Paths,
) -> None:
    project.committed_config("trusted").write_text(TRUSTED_WITH_ROLES_AND_A_NEW_GROUP)
    wanted = local_run.plan(project)
    assert (wanted.roles, wanted.new_group, wanted.new_group_members) == (
        ("ci-deployer", "auditor"),
        "release-team",
        ("bob", "carol"),
    )
    assert wanted.user_names == ("alice", "bob", "carol", "outsider"), (
        "make local creates these, not the group"
    )
    assert [(c.label, c.expect_in) for c in wanted.callers] == [
        ("alice (user)", True),
        ("s3-readers-member (member of group s3-readers)", True),
        ("ci-deployer (role)", True),
        ("auditor (role)", True),
        ("bob (member of the stack's new group release-team)", True),
        ("carol (member of the stack's new group release-team)", True),
        ("outsider (user without the policy)", False),
    ]


def test_the_outsider_never_takes_the_name_of_a_trusted_user(project: local_run.Paths) -> None:
    path = project.committed_config("trusted")
    path.write_text(path.read_text().replace("    - alice", "    - outsider\n    - outsider-2"))
    wanted = local_run.plan(project)
    assert wanted.outsider == "outsider-3"
    assert wanted.user_names == ("outsider", "outsider-2", "outsider-3")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "cross-account-access:newGroupMembers: [bob]\n",
            "Pulumi.trusted.yaml: cross-account-access:newGroupMembers ['bob'] needs "
            "cross-account-access:newGroupName, the group the stack creates for them",
        ),
        (
            "cross-account-access:newGroupName: s3-readers\n",
            "Pulumi.trusted.yaml: cross-account-access:newGroupName 's3-readers' is also in "
            "cross-account-access:groupNames: the stack creates the new group, groupNames names groups that exist already",
        ),
        (
            "cross-account-access:newGroupName: [x]\n",
            "Pulumi.trusted.yaml: cross-account-access:newGroupName ['x'] is not a group name",
        ),
        (
            "cross-account-access:roleNames: ci-deployer\n",
            "Pulumi.trusted.yaml: cross-account-access:roleNames 'ci-deployer' is not a list of names",
        ),
        (
            "cross-account-access:roleNames: [1]\n",
            "Pulumi.trusted.yaml: cross-account-access:roleNames [1] is not a list of names",
        ),
    ],
    ids=[
        "members-without-group",
        "new-group-exists",
        "new-group-not-a-name",
        "roles-not-a-list",
        "role-not-a-name",
    ],
)
def test_a_trusted_stack_file_make_local_cannot_plan_for_is_refused_before_anything_starts(
    project: local_run.Paths, extra: str, message: str
) -> None:
    path = project.committed_config("trusted")
    path.write_text(path.read_text() + "  " + extra)
    local, out, err = _local(project, FakePulumi())
    assert local_run.main(["up"], local=local, which=lambda name: "/usr/bin/pulumi") == 1
    assert (out.getvalue(), err.getvalue()) == ("", f"make local: {message}\n")
    assert not project.local.exists()


def test_make_local_deploys_roles_and_a_new_group_and_every_caller_gets_in_but_the_outsider(
    project: local_run.Paths, server_url: str
) -> None:
    """The trusted stack file sets roleNames and newGroupName/newGroupMembers: the program grants them.

    make local creates the roles and the members' users; the trusted stack attaches the policy to
    the roles, creates the group, adds the members and attaches the policy to it; verify then runs
    as each of them (a role through a session of it), and as the outsider with --expect-deny.
    """
    project.committed_config("trusted").write_text(TRUSTED_WITH_ROLES_AND_A_NEW_GROUP)
    local, out, err = _local(project, FakePulumi())

    status = local.up(start=lambda log: emulator.Server(4242, server_url), stop=Stops(), verify_timeout=0)

    text = out.getvalue()
    assert (status, err.getvalue()) == (0, ""), text
    post(f"{server_url}/moto-api/reset-auth", b"inf")
    iam = account_session(TRUSTED_ACCOUNT).client("iam", endpoint_url=server_url)
    assert sorted(u["UserName"] for u in iam.get_group(GroupName="release-team")["Users"]) == ["bob", "carol"]
    for role in ("ci-deployer", "auditor"):
        attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        assert [p["PolicyArn"] for p in attached] == [POLICY_ARN], role
    session = f"arn:aws:sts::{TRUSTED_ACCOUNT}:assumed-role"
    assert f"ci-deployer (role):\n    caller:  {session}/ci-deployer/make-local\n" in text
    assert (
        "bob (member of the stack's new group release-team):\n    caller:  arn:aws:iam::444455556666:user/bob\n"
        in text
    )
    assert (
        "Who gets in, expected and seen:\n"
        "  who                                                   expected  seen\n"
        "  alice (user)                                          in        in\n"
        "  s3-readers-member (member of group s3-readers)        in        in\n"
        "  ci-deployer (role)                                    in        in\n"
        "  auditor (role)                                        in        in\n"
        "  bob (member of the stack's new group release-team)    in        in\n"
        "  carol (member of the stack's new group release-team)  in        in\n"
        "  outsider (user without the policy)                    refused   refused\n"
        "\n"
        "make local: the access works.\n"
    ) in text


def test_a_verify_process_that_does_not_end_is_an_error_row_not_a_hang(
    project: local_run.Paths, tmp_path: Path
) -> None:
    stuck = tmp_path / "stuck-python"
    stuck.write_text("#!/bin/sh\nexec sleep 30\n")
    stuck.chmod(0o755)
    local, _, _ = _local(project, FakePulumi())
    local.python, local.verify_margin = str(stuck), 0.5
    key = emulator.AccessKey("AKIAX", "x")
    assert local.verify(ROLE_ARN, "http://127.0.0.1:9", key, timeout=0) == (
        2,
        ["cross-account-verify did not end within 0.5s"],
    )


@pytest.mark.parametrize(
    ("status", "expect_deny", "seen"),
    [
        (0, False, "in"),
        (1, False, "refused"),
        (2, False, "error"),
        (0, True, "refused"),
        (1, True, "in"),
        (2, True, "error"),
    ],
)
def test_what_verify_saw_follows_its_exit_status_and_expect_deny_swaps_0_and_1(
    status: int, expect_deny: bool, seen: str
) -> None:
    assert local_run.seen(status, expect_deny) == seen


def test_a_trusting_stack_that_does_not_trust_the_emulated_account_is_refused_before_anything_starts(
    project: local_run.Paths,
) -> None:
    path = project.committed_config("trusting")
    path.write_text(path.read_text().replace('"444455556666"', '"444466667777"'))
    local, _, err = _local(project, FakePulumi())
    assert local_run.main(["up"], local=local, which=lambda name: "/usr/bin/pulumi") == 1
    assert err.getvalue() == (
        "make local: Pulumi.trusting.yaml: cross-account-access:trustedAccountIds ['444466667777'] "
        "does not include 444455556666, the emulated trusted account: add it to run make local\n"
    )
    assert not project.local.exists()


def test_the_cli_environment_has_the_local_backend_and_passphrase_and_none_of_the_callers_aws_or_pulumi_login(
    tmp_path: Path,
) -> None:
    base = {
        "PATH": "/bin",
        "AWS_PROFILE": "prod",
        "AWS_ACCESS_KEY_ID": "AKIAREAL",
        "PULUMI_ACCESS_TOKEN": "pul-x",
    }
    assert local_run.pulumi_env(local_run.Paths(tmp_path), base) == {
        "PATH": "/bin",
        "PULUMI_BACKEND_URL": (tmp_path / ".pulumi-local" / "state").as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "local-emulator-only",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }


def test_a_role_session_runs_verify_with_its_session_token(tmp_path: Path) -> None:
    key = emulator.AccessKey("ASIAB", "s", "token")
    assert local_run.person_env({"AWS_SESSION_TOKEN": "yours"}, key, tmp_path) == {
        "AWS_ACCESS_KEY_ID": "ASIAB",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_SESSION_TOKEN": "token",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def test_a_person_runs_verify_with_their_own_keys_only(tmp_path: Path) -> None:
    base = {"PATH": "/bin", "AWS_PROFILE": "prod", "AWS_SESSION_TOKEN": "tok"}
    assert local_run.person_env(base, emulator.AccessKey("AKIAB", "s"), tmp_path) == {
        "PATH": "/bin",
        "AWS_ACCESS_KEY_ID": "AKIAB",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def test_files_rewritten_or_created_by_a_cli_call_are_given_back_and_reported(tmp_path: Path) -> None:
    kept, created = tmp_path / "Pulumi.trusting.yaml", tmp_path / "Pulumi.new.yaml"
    kept.write_bytes(b"# comment\nconfig: {}\n")
    with local_run.committed_files_kept([kept, created]) as written:
        kept.write_bytes(b"encryptionsalt: v1:x\nconfig: {}\n")
        created.write_bytes(b"x: 1\n")
    assert kept.read_bytes() == b"# comment\nconfig: {}\n"
    assert not created.exists()
    assert written == {kept: b"encryptionsalt: v1:x\nconfig: {}\n", created: b"x: 1\n"}


# The emulator ----------------------------------------------------------------------------------


def test_the_moto_server_process_starts_on_127_0_0_1_with_managed_policies_and_stops(tmp_path: Path) -> None:
    """The real process make local starts (its accounts, keys and auth are set up in the tests above)."""
    server = emulator.start(tmp_path / "moto.log")
    try:
        assert server.url.startswith("http://127.0.0.1:") and emulator.responds(server.url)
        emulator.record(tmp_path / "emulator.json", server)
        assert emulator.recorded(tmp_path / "emulator.json") == server
        iam = account_session(TRUSTING_ACCOUNT).client("iam", endpoint_url=server.url)
        policy = iam.get_policy(PolicyArn=emulator.ADMINISTRATOR_ACCESS)["Policy"]
        assert policy["PolicyName"] == "AdministratorAccess", "AWS managed policies are loaded"
    finally:
        assert emulator.stop(server) is True
    assert not emulator.responds(server.url)
    assert emulator.stop(server) is False, "a stopped server is not stopped twice"


# cross-account-verify --endpoint-url, against the server (the subprocess run is in the make local test) -------------------------------------


def test_verify_sends_sts_and_the_probe_to_the_emulator_with_endpoint_url(
    server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trusting = account_session(TRUSTING_ACCOUNT)
    iam = trusting.client("iam", endpoint_url=server_url)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{TRUSTED_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName="reader", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    people = account_session(TRUSTED_ACCOUNT).client("iam", endpoint_url=server_url)
    profiles = ""
    for user in ("alice", "carol"):
        people.create_user(UserName=user)
        key = people.create_access_key(UserName=user)["AccessKey"]
        profiles += f"[{user}]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n"
    reader = f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/reader"
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": reader}],
    }
    people.put_user_policy(UserName="alice", PolicyName="assume", PolicyDocument=json.dumps(allow))
    (tmp_path / "credentials").write_text(profiles)
    for name in (
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    emulator.enable_authentication(server_url)

    def verify(profile: str) -> tuple[int, list[str]]:
        out = io.StringIO()
        argv = [reader, "--profile", profile, "--endpoint-url", server_url, "--timeout", "0"]
        return verify_cli.main(argv, stdout=out, stderr=out), out.getvalue().splitlines()

    status, lines = verify("alice")
    assert status == 0, lines
    assert lines[0] == f"caller:  arn:aws:iam::{TRUSTED_ACCOUNT}:user/alice"
    assert lines[1].startswith(
        f"assumed: arn:aws:sts::{TRUSTING_ACCOUNT}:assumed-role/reader/cross-account-verify "
    )
    assert lines[2:] == [
        "probe s3:ListBuckets: 0 bucket(s)",
        f"access works: arn:aws:iam::{TRUSTED_ACCOUNT}:user/alice -> {reader}",
    ]
    assert verify("carol") == (
        1,
        [
            f"cross-account-verify: denied: sts:AssumeRole on {reader} as arn:aws:iam::{TRUSTED_ACCOUNT}:user/carol: "
            f"AccessDenied: User: arn:aws:iam::{TRUSTED_ACCOUNT}:user/carol is not authorized to perform: sts:AssumeRole"
        ],
    )
