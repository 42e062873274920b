"""Schemathesis over every API operation: whatever the input, no server error.

Cases come from schemathesis's strategies (valid and invalid inputs) and run through Hypothesis
directly, one operation after another. Locally each operation gets
``ICRMS_SCHEMATHESIS_EXAMPLES`` cases of each kind (default 16 valid + 16 invalid: over 1,000
in all); CI (``CI=true``) runs 1 + 1 per operation to stay within its time budget.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from icrms.api.app import create_app
from icrms.auth import service as auth
from icrms.auth.schemas import Role, TokenCreate
from icrms.core.db import Store
from icrms.settings import Settings

EXAMPLES = int(os.environ.get("ICRMS_SCHEMATHESIS_EXAMPLES", "1" if os.environ.get("CI") else "16"))


def test_no_operation_answers_a_server_error(tmp_path: Path) -> None:
    current = Settings(home=tmp_path / "ws", policy_secret=SecretStr("fuzz-secret-" + "z" * 20))
    store = Store(f"sqlite:///{tmp_path / 'fuzz.sqlite'}")
    with store.session() as s:
        token = auth.create_token(
            s, token=TokenCreate(name="fuzz", role=Role.admin), actor="test"
        ).token
    app = create_app(current, store=store, run_jobs=False)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    calls: Counter[str] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: schemathesis.Case) -> None:
                calls[case.operation.label] += 1
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            try:
                run()
            except Unsatisfiable:
                # nothing invalid can be made for an operation without inputs
                assert mode == GenerationMode.NEGATIVE
    store.dispose()
    print(f"schemathesis: {sum(calls.values())} cases over {len(calls)} operations")
    assert len(calls) == len(operations)


def test_the_schema_is_openapi_3_1(tmp_path: Path) -> None:
    app = create_app(
        Settings(home=tmp_path / "ws", policy_secret=SecretStr("x" * 32)),
        store=Store(f"sqlite:///{tmp_path / 's.sqlite'}"),
        run_jobs=False,
    )
    with TestClient(app) as client:
        spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/declarations" in spec["paths"]
