"""Property-based requests generated from the OpenAPI document: the API never answers 5xx.

Schemathesis generates valid and invalid parameters for every operation (hypothesis drives
it) and checks each answer against the documented status codes, content types and schemas.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.core.result import Ok

from tests.conftest import Stack
from tests.unit.api.api_harness import Harness, running_harness


@pytest.fixture(scope="module")
def fuzzed_api(stack: Stack) -> Iterator[Harness]:
    """One API with example releases for the module, limits raised so the fuzzer is not 429ed."""
    prefix = f"fuzz{uuid.uuid4().hex[:8]}"
    with running_harness(
        stack,
        prefix,
        rate_limit_per_minute=1_000_000,
        failed_auth_per_minute=1_000_000,
    ) as harness:
        yield harness


def test_every_operation_answers_without_server_errors(fuzzed_api: Harness) -> None:
    base = str(fuzzed_api.client.base_url)
    schema = schemathesis.openapi.from_url(f"{base}/v1/openapi.json")
    auth = {"Authorization": f"Bearer {fuzzed_api.key['operator']}"}
    labels = []
    for result in schema.get_all_operations():
        # An operation the loader cannot turn into a strategy is a broken schema: fail on it.
        assert isinstance(result, Ok), result.err()
        operation = result.ok()
        labels.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            # Validation beyond the schema (an area code that exists, a council key needs
            # areas, from <= to, the row limit) answers a documented 400 to a schema-valid
            # request, so "positive data is accepted" does not hold by design.
            case.call_and_validate(headers=auth, excluded_checks=[checks.positive_data_acceptance])

        call()
    assert "GET /v1/areas/{code}/vaccinations" in labels
    assert len(labels) >= 15
