"""The config contract is one table (program.settings.KEYS): Pulumi.yaml, docs/configuration.md and DESIGN agree with it."""

from __future__ import annotations

import json

import yaml
from conftest import ROOT

from program.settings import KEYS, KEYS_BY_NAME, read_config


def documented_rows() -> dict[str, str]:
    """Config key -> the default cell of docs/configuration.md's tables, for every row of the reference."""
    text = (ROOT / "docs" / "configuration.md").read_text()
    section = text.split("<!-- section:config -->")[1].split("<!-- /section:config -->")[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[2]
    return rows


def test_pulumi_yaml_declares_every_key_with_its_type_and_the_default_the_code_uses() -> None:
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert list(declared) == [k.name for k in KEYS]
    for key in KEYS:
        entry = declared[key.name]
        assert entry["type"] == key.type, key.name
        assert entry["default"] == key.default, key.name
        assert entry["description"], key.name
        if key.type == "array":
            # callers is a list of caller entries (objects, as Pulumi's project schema lets items be).
            assert entry["items"] == {"type": "object" if key.name == "callers" else "string"}, key.name


def test_pulumi_yaml_runs_the_venv_that_make_test_creates() -> None:
    runtime = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]
    assert runtime == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    assert "VENV := .venv" in (ROOT / "Makefile").read_text()


def test_the_configuration_page_lists_every_key_except_side_with_the_same_default() -> None:
    rows = documented_rows()
    assert set(rows) == {k.name for k in KEYS} - {"side"}
    for name, cell in rows.items():
        key = KEYS_BY_NAME[name]
        if name == "trustedAccountIds":
            assert cell == "required"
            continue
        default = key.default
        rendered = (
            json.dumps(default) if isinstance(default, (list, dict, bool)) or default == "" else default
        )
        assert cell.startswith(f"`{rendered}`"), (name, cell)


def test_unset_config_takes_every_default() -> None:
    assert read_config({}) == {k.name: k.default for k in KEYS}


def test_example_stack_files_set_only_known_keys() -> None:
    for stack in ("trusting", "trusted"):
        config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        ours = [k.split(":", 1)[1] for k in config if k.startswith("cross-account-access:")]
        assert set(ours) <= set(KEYS_BY_NAME), stack
        assert all(KEYS_BY_NAME[k].side in (stack, "both") for k in ours), stack


def test_read_config_parses_values_as_the_cli_passes_them() -> None:
    values = read_config(
        {
            "cross-account-access:trustedAccountIds": '["444455556666"]',
            "cross-account-access:requireMfa": "true",
            "cross-account-access:maxSessionDuration": "7200",
            "cross-account-access:tags": '{"team": "platform"}',
            "aws:region": "eu-west-1",
        }
    )
    assert values["trustedAccountIds"] == ["444455556666"]
    assert values["requireMfa"] is True
    assert values["maxSessionDuration"] == 7200
    assert values["tags"] == {"team": "platform"}
