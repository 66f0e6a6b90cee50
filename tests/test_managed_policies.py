"""The package's list of AWS managed policies (warnings for unknown names) is current and ships in the wheel."""

from __future__ import annotations

import sys

from conftest import ROOT

from cross_account import advice

sys.path.insert(0, str(ROOT / "tools"))
import aws_managed_policies  # noqa: E402 - the generator script, not a package


def test_the_list_is_what_the_generator_makes_from_the_installed_moto() -> None:
    """Fails when moto (the maintained source) is bumped and the list is not regenerated."""
    assert aws_managed_policies.TARGET.read_text() == aws_managed_policies.render(), (
        "components/cross_account/aws_managed_policies.txt is stale: run .venv/bin/python tools/aws_managed_policies.py"
    )


def test_the_list_holds_names_with_their_paths() -> None:
    known = advice.known_managed_policies()
    assert len(known) > 1000
    assert {"AmazonS3ReadOnlyAccess", "ReadOnlyAccess", "job-function/ViewOnlyAccess"} <= known
    assert "service-role/AWSLambdaRole" in known and "AWSLambdaRole" not in known
    assert all(name.isascii() and " " not in name and not name.startswith("/") for name in known)


def test_an_unknown_name_gets_the_closest_known_one() -> None:
    assert advice.closest_managed_policy("AmazonS3ReadOnly") == "AmazonS3ReadOnlyAccess"
    assert advice.closest_managed_policy("amazons3readonlyaccess") == "AmazonS3ReadOnlyAccess"
    assert advice.closest_managed_policy("ReadOnlyAcess") == "ReadOnlyAccess"
    assert advice.closest_managed_policy("AWSLambdaRole") == "service-role/AWSLambdaRole"
    assert advice.closest_managed_policy("zzzzzzzzzzzzzzzz") is None
    assert list(advice.unknown_managed_policies(["ReadOnlyAccess", "arn:aws:iam::1:policy/x"])) == []
