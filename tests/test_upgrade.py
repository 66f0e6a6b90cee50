"""Upgrading replaces nothing: configurations that worked with the version before register the same
resources, under the same names, with the same inputs (tests/data/registrations-0.1.0.json, written
by tests/upgrade_snapshot.py in a checkout of that version).

The only differences are the ones this version adds on purpose, listed in ADDED: none of them is an
input that makes AWS replace a resource.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from upgrade_snapshot import cases, snapshot

BEFORE = json.loads((Path(__file__).parent / "data" / "registrations-0.1.0.json").read_text())
ADDED: dict[str, dict[str, Any]] = {
    "aws:iam/role:Role": {"forceDetachPolicies": True},
}
"""Inputs this version adds to resources of existing configs (an in-place update, never a replacement)."""
CREATE_FIRST = {"aws:iam/role:Role", "aws:iam/policy:Policy"}
"""Resources now replaced create-first on a later rename (an option for a later replacement only: an
upgrade replaces nothing, whatever the option says)."""


def by_name(registrations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """In a fixed order: resources built inside applies register in no set order."""
    return sorted(registrations, key=lambda r: (r["type"], r["name"]))


BEFORE = {case: by_name(found) for case, found in BEFORE.items()}


@pytest.fixture(scope="module")
def after() -> dict[str, list[dict[str, Any]]]:
    return {case: by_name(found) for case, found in snapshot().items()}


def test_the_snapshot_covers_every_case() -> None:
    assert set(BEFORE) == set(cases())


@pytest.mark.parametrize("case", sorted(cases()))
def test_every_resource_keeps_its_name_type_and_parent(after: dict[str, Any], case: str) -> None:
    names = [(r["type"], r["name"], r["parent"]) for r in BEFORE[case]]
    assert [(r["type"], r["name"], r["parent"]) for r in after[case]] == names


@pytest.mark.parametrize("case", sorted(cases()))
def test_every_input_is_kept_and_only_the_listed_ones_are_added(after: dict[str, Any], case: str) -> None:
    for before, now in zip(BEFORE[case], after[case], strict=True):
        expected = {**before["inputs"], **ADDED.get(before["type"], {})}
        assert now["inputs"] == expected, (case, before["name"])
        if before["type"] in CREATE_FIRST:
            assert now["delete_before_replace"] is False, (case, before["name"])
        else:
            assert now["delete_before_replace"] == before["delete_before_replace"], (case, before["name"])
