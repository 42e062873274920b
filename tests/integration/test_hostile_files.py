"""Small hostile files and operator mistakes get a short clear error, fast (issue 8 items 7, 9)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from icrms.cli import app
from icrms.settings import Settings
from tests.integration.test_assess_cli import DECLARATION

runner = CliRunner()

# 409 bytes of nested aliases: 9^9 strings once expanded (3 GB before the limits)
LAUGHS = "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def run(*args: str) -> tuple[int, str, float]:
    started = time.perf_counter()
    result = runner.invoke(app, list(args), env={"ICRMS_POLICY_SECRET": "s3cret"})
    return result.exit_code, result.output, time.perf_counter() - started


@pytest.mark.parametrize(
    "command", [("profiles", "add"), ("profiles", "import"), ("policy", "set")]
)
@pytest.mark.parametrize(
    ("text", "suffix", "why"),
    [
        (LAUGHS, ".yaml", "expands to more than 100,000 values"),
        ("a: &a [1]\n" + "b: [" + ", ".join(["*a"] * 101) + "]", ".yaml", "more than 100 aliases"),
        ("x: " + "[" * 5000 + "]" * 5000, ".yaml", "nested more than 32 levels"),
        ('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}", ".json", "nested more than 32 levels"),
        (
            "x: !!python/object/apply:os.system ['true']",
            ".yaml",
            "could not determine a constructor",
        ),
        ("code: \xff", ".yaml", "is not UTF-8"),
    ],
)
def test_hostile_profile_and_policy_files_are_refused_quickly_and_briefly(
    workspace: Settings, tmp_path: Path, command: tuple[str, str], text: str, suffix: str, why: str
) -> None:
    path = tmp_path / f"hostile{suffix}"
    path.write_bytes(
        text.encode("utf-8", "surrogateescape") if "\xff" not in text else b"code: \xff"
    )
    code, output, seconds = run(*command, str(path))
    assert code == 2 and why in output, output
    assert seconds < 30 and len(output) < 1000  # the alias bomb ran out of memory before


def test_a_huge_profile_file_is_refused_before_reading(workspace: Settings, tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (2 << 20))
    code, output, _ = run("profiles", "add", str(path))
    assert code == 2 and "at most 1,048,576" in output


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"version": 2**70}, "less than or equal to 2147483647"),
        ({"lodged_at": "9999-12-31T23:59:59-14:00"}, "is outside 1970 to 2099"),
        ({"items": [{**DECLARATION["items"][0], "net_mass_kg": 1e-310}]}, "1 mg"),  # type: ignore[index]
        ({"items": [{**DECLARATION["items"][0], "description": "x" * 40_000}]}, "512 characters"),  # type: ignore[index]
    ],
)
def test_assess_live_refuses_out_of_bounds_declarations_clearly(
    workspace: Settings, tmp_path: Path, change: dict[str, object], why: str
) -> None:
    """Before: a crash (overflow in the store or in time zone arithmetic) or a 40 KB message."""
    path = tmp_path / "declaration.json"
    path.write_text(json.dumps({**DECLARATION, **change}))
    code, output, _ = run("assess", "live", str(path))
    assert code == 2 and why in output, output
    assert len(output) < 1000


def test_assess_live_refuses_deeply_nested_json(workspace: Settings, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"declaration_id": ' + "[" * 50_000 + "]" * 50_000 + "}")
    code, output, _ = run("assess", "live", str(path))
    assert code == 2 and "nested more than 32 levels" in output, output


def test_controls_import_rejects_unreadable_lines_and_keeps_the_rest(
    workspace: Settings, tmp_path: Path
) -> None:
    """Before: one bad JSON line (or a deep one) aborted the whole import with a traceback."""
    good = {
        "declaration_id": "D-1",
        "controlled_at": "2026-03-04T08:00:00Z",
        "outcome": "no_finding",
    }
    path = tmp_path / "results.jsonl"
    lines = [json.dumps(good), "{not json", "[" * 50_000 + "]" * 50_000, "[1, 2]"]
    path.write_text("\n".join(lines) + "\n")
    code, output, _ = run("controls", "import", str(path), "--json")
    assert code == 0, output
    report = json.loads(output)
    assert (report["rows_in"], report["stored"]) == (4, 1)
    assert [(r["row"], r["reason"][:12]) for r in report["rejected"]] == [
        (2, "invalid JSON"),
        (3, "invalid JSON"),
        (4, "not a JSON o"),
    ]
    path.write_bytes(b"\xff\xfe" + path.read_bytes())
    code, output, _ = run("controls", "import", str(path))
    assert code == 2 and "is not UTF-8 text" in output
