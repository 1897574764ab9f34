"""The house rules, checked: which room may import which, so arrows keep pointing inward.

    cutroom.cli ──▶ bots, playground ──▶ jobs ──▶ storage ──▶ core
                         (all of them may read cutroom.settings / cutroom.wiring)

Inside ``core``, the steps import backends only through ``core.backends`` (the protocols and
registries), never a particular engine module, so every engine is a leaf.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("core", "storage", "jobs", "bots", "playground", "cutroom")
#: What each room may import from the others (its own room is always allowed).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "storage": {"core"},
    "jobs": {"core", "storage", "cutroom.settings", "cutroom.wiring"},
    "bots": {"core", "storage", "jobs", "cutroom.settings", "cutroom.wiring"},
    "playground": {"core", "storage", "jobs", "cutroom.settings", "cutroom.wiring"},
    "cutroom.settings": set(),
    "cutroom.wiring": {"core", "storage", "cutroom.settings"},
    "cutroom.cli": {"core", "storage", "jobs", "bots", "playground", "cutroom.settings", "cutroom.wiring"},
}
#: Libraries that are IO at the edges: never imported by core.
EDGE_LIBRARIES = {"slack_bolt", "slack_sdk", "discord", "gradio", "gradio_client", "redis", "arq", "aiohttp", "boto3"}


def _modules() -> list[tuple[str, Path]]:
    found = []
    for room in ROOMS:
        for path in sorted((ROOT / room).rglob("*.py")):
            if path.is_symlink() or any(p.is_symlink() for p in path.parents if ROOT in p.parents):
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append((".".join(p for p in parts if p != "__init__"), path))
    return found


def _ours(name: str) -> str | None:
    """Our module path without the ``cutroom.`` umbrella (``cutroom.core.x`` -> ``core.x``)."""
    parts = name.split(".")
    if parts[0] == "cutroom" and len(parts) > 1 and parts[1] in ROOMS[:-1]:
        parts = parts[1:]
    return ".".join(parts) if parts[0] in ROOMS else None


def _room(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "cutroom":
        if len(parts) > 1 and parts[1] in ("settings", "wiring"):
            return f"cutroom.{parts[1]}"
        return "cutroom.cli"
    return parts[0]


def _imports(path: Path, module: str) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:  # relative: own package
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


MODULES = _modules()


def test_every_room_is_checked() -> None:
    rooms = {_room(module) for module, _ in MODULES}
    assert rooms == set(ALLOWED), rooms ^ set(ALLOWED)


def _wrong_rooms(module: str, path: Path) -> list[str]:
    room = _room(module)
    wrong = []
    for name in _imports(path, module):
        ours = _ours(name)
        if ours is None:
            if room == "core" and name.split(".")[0] in EDGE_LIBRARIES:
                wrong.append(f"{name} (an edge library)")
            continue
        target = _room(ours)
        if target != room and target not in ALLOWED[room] and not (
            room.startswith("cutroom.") and target.startswith("cutroom.") and room == target
        ):
            wrong.append(name)
    return sorted(set(wrong))


def _engines(module: str, path: Path) -> list[str]:
    return [
        name
        for name in _imports(path, module)
        if (_ours(name) or "").startswith("core.backends.")
        and (_ours(name) or "").split(".")[2] not in _BACKENDS_PACKAGE_NAMES
    ]


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_point_inward(module: str, path: Path) -> None:
    wrong = _wrong_rooms(module, path)
    assert not wrong, f"{module} may not import {wrong} (see README, Architecture)"


@pytest.mark.parametrize(
    ("module", "path"),
    [(m, p) for m, p in MODULES if m.startswith("core.") and not m.startswith("core.backends")],
    ids=[m for m, _ in MODULES if m.startswith("core.") and not m.startswith("core.backends")],
)
def test_steps_import_no_particular_backend(module: str, path: Path) -> None:
    engines = _engines(module, path)
    assert not engines, f"{module} imports an engine module directly: {engines}; use core.backends' registries"


#: Names ``cutroom.core.backends`` itself exports (protocols, registries), importable by any step.
import cutroom.core.backends as _backends_package  # noqa: E402

_BACKENDS_PACKAGE_NAMES = set(_backends_package.__all__)


def _bare(module: str, path: Path) -> list[str]:
    """Imports of our rooms by their bare top-level name (``core.x``) instead of ``cutroom.core.x``."""
    return sorted({n for n in _imports(path, module) if n.split(".")[0] in ROOMS[:-1]})


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_everything_imports_through_the_one_package_name(module: str, path: Path) -> None:
    """The wheel installs only ``cutroom``: a bare ``import core`` works in the checkout and nowhere else."""
    assert not _bare(module, path), f"{module} imports {_bare(module, path)}; write cutroom.<room>"


def test_the_rules_catch_a_wrong_import(tmp_path: Path) -> None:
    """The checker itself: a core module importing a bot, or a step importing an engine, is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from cutroom.bots.engine import Engine\n"
        "from cutroom.core.backends.animatic import AnimaticImageBackend\n"
        "import storage.state\n"
    )
    assert _wrong_rooms("core.bad", bad) == [
        "cutroom.bots.engine",
        "cutroom.bots.engine.Engine",
        "storage.state",
    ]
    assert _engines("core.bad", bad) == [
        "cutroom.core.backends.animatic",
        "cutroom.core.backends.animatic.AnimaticImageBackend",
    ]
    assert _wrong_rooms("jobs.bad", bad) == ["cutroom.bots.engine", "cutroom.bots.engine.Engine"]
    assert _wrong_rooms("cutroom.cli.bad", bad) == []
    assert _bare("jobs.bad", bad) == ["storage.state"]


def _settings_reads(path: Path) -> list[int]:
    """Lines that build a Settings object (reading the environment) by calling the class."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"Settings", "WorkerConfig"}
    ]


def test_settings_are_read_only_in_wiring() -> None:
    """One place reads the environment (``cutroom.wiring.load_settings``); everything else is passed settings."""
    readers = {
        module: lines
        for module, path in MODULES
        if module != "cutroom.wiring" and (lines := _settings_reads(path))
    }
    assert readers == {}, f"Settings() built outside cutroom/wiring.py: {readers}"


def test_the_settings_check_catches_a_hidden_read(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden.py"
    hidden.write_text("from cutroom.settings import Settings\n\ndef cap():\n    return Settings().max_running_per_requester\n")
    assert _settings_reads(hidden) == [4]
