"""Worlds built once per test run and copied for each test that asks for one.

Building the standard world means migrating a metastore, seeding the policy and making ten
people with tokens: about half a second on SQLite, and two to four seconds on PostgreSQL
once the database's creation and removal are counted, for each of several hundred tests. A
blueprint is that world built once (per backend, and per builder: a world with a trained
model is another blueprint); each test gets a copy of it:

- on SQLite, a copy of the metastore file in the test's own lab home;
- on PostgreSQL, a database created from the blueprint's with `CREATE DATABASE ... TEMPLATE`.

A copy is a whole, separate lab: its own metastore and home, opened afresh (the schema is
checked, not migrated), with the blueprint's master key (its key ring is wrapped with it)
and its people's tokens. Nothing a test does reaches the blueprint or another copy.

Blueprints with datasets are copied with the blueprint's lab home (encrypted files under
relative paths), so every version stays readable.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient

from lab.api.app import create_app
from lab.context import Lab
from tests.lab.factories import World, make_settings, standard_world
from tests.postgres import blueprint_database, scratch_database, server_answers

Build = Callable[[World], None]
SQLITE, POSTGRESQL = "sqlite", "postgresql"


@dataclass(frozen=True)
class Blueprint:
    home: Path
    """The blueprint's lab home: its SQLite metastore (SQLite), its stored files."""
    database: str | None
    """The template database (PostgreSQL), or None (SQLite: the file in `home`)."""
    master_key: str
    tokens: dict[str, str] = field(default_factory=dict)


_built: dict[tuple[str, str], Blueprint] = {}
_lock = threading.Lock()
_folder = Path(tempfile.mkdtemp(prefix="lab-blueprints-"))


def _standard(world: World) -> None:
    """The standard world as it is (nothing added)."""


def blueprint(backend: str, name: str = "standard", build: Build = _standard) -> Blueprint:
    """The blueprint `name` on `backend`: the standard world, then `build` run on it; made
    the first time it is asked for in this run."""
    with _lock:
        found = _built.get((backend, name))
        if found is None:
            found = _built[(backend, name)] = _make(backend, name, build)
        return found


def _make(backend: str, name: str, build: Build) -> Blueprint:
    home = _folder / f"{backend}-{name}" / "home"
    database = None
    url = None
    if backend == POSTGRESQL:
        database, url = blueprint_database(f"lab_blueprint_{name}")
    world = standard_world(home, url)
    try:
        build(world)
        key = world.lab.settings.master_key
        assert key is not None
        made = Blueprint(home, database, key.get_secret_value(), dict(world.tokens))
    finally:
        world.close()  # no connection may stay open on a template database
    return made


@contextmanager
def copied_world(
    backend: str, home: Path, name: str = "standard", build: Build = _standard
) -> Iterator[World]:
    """A world of its own, copied from the blueprint `name` on `backend`."""
    if backend == POSTGRESQL:
        why_not = server_answers()
        if why_not:
            import pytest

            pytest.skip(why_not)
    plan = blueprint(backend, name, build)
    shutil.copytree(plan.home, home)
    home.chmod(0o700)
    if plan.database is None:
        with _opened(plan, home, None) as world:
            yield world
        return
    with (
        scratch_database("lab_test", template=plan.database) as url,
        _opened(plan, home, url) as world,
    ):
        yield world


@contextmanager
def _opened(plan: Blueprint, home: Path, url: str | None) -> Iterator[World]:
    lab = Lab.open(make_settings(home, url, master_key=plan.master_key))
    lab.policy.refresh(force=True)
    world = World(
        lab, TestClient(create_app(lab), raise_server_exceptions=False), dict(plan.tokens)
    )
    try:
        yield world
    finally:
        world.close()


def discard() -> None:
    """Remove the blueprints' homes (their databases go with `tests.postgres.finish`)."""
    _built.clear()
    shutil.rmtree(_folder, ignore_errors=True)
