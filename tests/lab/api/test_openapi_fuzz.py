"""The API against its own OpenAPI document, fuzzed with Schemathesis in process.

Every operation gets generated requests, valid and invalid, as an admin of a throwaway
lab (a temporary home on SQLite, the standard world's tenants and people). Each response
must not be a 500, must have a status the document lists for the operation, the content
type, headers and schema it declares, invalid input must be refused with a 4xx and valid
input must not be (a 400 or 409 from a service is an answer, not a refusal of the shape),
and a successful request must fail without its token. The seed is fixed and the examples
per operation bounded, so a run is repeatable and short (under a minute on two cores).

Destructive operations run too: they act on the throwaway lab only. The fuzzer may
disable an admin or take away a rule (the answers are documented); it then carries on
as the next of the spare admins.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from tests.lab.factories import World, standard_world

SEED = 20261206
EXAMPLES = 6
ADMINS = ("root", "root2", "root3")
KNOWN = {"tenant": "acme", "zone": "sandbox", "user": "a-eng"}

# Statuses a valid request may get: 400 is a service refusing a well-shaped value (a
# reserved slug, an unknown role), 409 a state conflict; every one is documented.
ACCEPTED = ["2xx", "400", "401", "403", "404", "409", "413"]

CONFIG: dict[str, Any] = {
    "seed": SEED,
    "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
    "generation": {
        "max-examples": EXAMPLES,
        "deterministic": True,
        "allow-x00": True,
        # the test authenticates every request itself, as an admin
        "with-security-parameters": False,
    },
    "checks": {
        "positive_data_acceptance": {"expected-statuses": ACCEPTED},
        # Every other check is on, with its defaults. `ignored_auth` re-sends each
        # successful request without the token and with a forged one. `use_after_free`,
        # `ensure_resource_availability` and `object_level_authorization` judge sequences
        # of calls (stateful runs); on the single calls made here they find nothing to
        # judge: the cross-tenant and route-walk tests make those sequences explicitly.
    },
}


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = standard_world(Path(tmp_path_factory.mktemp("fuzz")) / "home")
    for spare in ADMINS[1:]:
        world.user(spare, roles=["admin"])
    yield world
    world.close()


@pytest.fixture(scope="module")
def api_schema(fuzz_world: World) -> Any:
    config = SchemathesisConfig.from_dict(CONFIG)
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_world.client.app, config=config)


def admin_headers(world: World) -> dict[str, str]:
    """The first admin the fuzzer has not yet disabled or stripped of its rights."""
    for admin in ADMINS:
        headers = world.headers(admin)
        if world.client.get("/v1/tenants", headers=headers).status_code == 200:
            return headers
    pytest.fail("the fuzzer locked every admin out")


def fuzz(operation: Any, mode: GenerationMode, world: World, known: dict[str, str]) -> str | None:
    """Run one operation's generated cases, with the path values in `known` fixed (the
    others generated); the first failure's report, or None."""
    fixed = {name: known[name] for name in re.findall(r"{(\w+)}", operation.path) if name in known}

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed or None))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=admin_headers(world))

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid: the operation takes no input
        return None
    except (Exception, BaseExceptionGroup) as exc:  # a failed check: report all at the end
        return f"{operation.label} ({mode}, {fixed}): {exc}"
    return None


@pytest.mark.slow
def test_every_operation_keeps_its_contract(api_schema: Any, fuzz_world: World) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 60
    passes = [
        (GenerationMode.POSITIVE, {}),
        (GenerationMode.NEGATIVE, {}),
        # things that exist, so that requests get past the lookups to the services
        (GenerationMode.POSITIVE, KNOWN),
    ]
    failures = [
        failure
        for operation in operations
        for mode, known in passes
        if (failure := fuzz(operation, mode, fuzz_world, known)) is not None
    ]
    assert failures == [], "\n\n".join(failures)
