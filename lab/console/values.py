"""The shapes of the values in the console's URLs and forms, and the zones it offers.

The console checks what a URL or a form names before it asks a service, as the API does at
its edge, and with the API's shapes (`lab.api.params`): a tenant, a user or a dataset the
API can name, the console can name, and nothing else gets as far as the chokepoint. The
zones are those the lab was started with (its zone files, `Chokepoint.zones`), not a list
kept here. A malformed value in a URL path names nothing (404); in a query or a form it is
a mistake to correct (400).
"""

from __future__ import annotations

import re

from lab.api.params import (
    DATASET_PATTERN,
    ID_PATTERN,
    OUTPUT_PATTERN,
    TENANT_PATTERN,
    USER_PATTERN,
)
from lab.context import Lab
from lab.errors import InvalidInput, NotFound

TENANT = re.compile(TENANT_PATTERN)
USER = re.compile(USER_PATTERN)
NAME = re.compile(DATASET_PATTERN)  # datasets, models, deployments
ID = re.compile(ID_PATTERN)  # ids the lab issued: requests, promotions, runs, tokens
OUTPUT = re.compile(OUTPUT_PATTERN)  # a job output's name, and so a plot's
NUMBER = re.compile(r"^[1-9][0-9]{0,17}$")  # versions, event numbers: within 64 bits
PLATFORM_ZONE = "platform"  # the chokepoint's zone for requests about no data zone


def in_path(pattern: re.Pattern[str], value: str, missing: str) -> str:
    """`value` if it has the shape of `pattern`; else NotFound(`missing`)."""
    if not pattern.match(value):
        raise NotFound(missing)
    return value


def tenant_filter(value: str | None) -> str | None:
    """A tenant named in a query or a form: a slug, or None when blank."""
    if not value:
        return None
    if not TENANT.match(value):
        raise InvalidInput("tenant is not a tenant slug")
    return value


def zones(lab: Lab) -> list[str]:
    """The zones the lab knows, sorted by name."""
    return sorted(lab.chokepoint.zones - {PLATFORM_ZONE})


def zone(lab: Lab, value: str, missing: str = "no such zone") -> str:
    """`value` if it names a zone of the lab; else NotFound(`missing`)."""
    if value == PLATFORM_ZONE or value not in lab.chokepoint.zones:
        raise NotFound(missing)
    return value
