"""One run on disk: a folder of Parquet tables, metrics, the resolved scenario and provenance.

Layout of a run folder::

    stocks.parquet    month, status, origin, sector, persons
    flows.parquet     month, flow, status_from, status_to, origin, sector, persons
    demand.parquet    month, sector, demand, employed
    measures.parquet  month, origin, measure, value
    metrics.json      {"metrics": {name: value}, "definitions": {name: {...}}}
    scenario.toml     the fully resolved scenario (runs again as it is)
    run.json          provenance: scenario name and hash, seed, scale, version, times...
    people.parquet    only when the run recorded them: every person's status spells
                      (person_id, origin, status, sector, employer_id, start, end, end_reason, visit)

The folder is written under a temporary name next to its destination and renamed at
the end, so a failed run leaves no partial output.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import platform
import re
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from coexist.errors import CoexistError, ScenarioError
from coexist.metrics import compute_metrics, metric_definitions
from coexist.scenario import scenario_hash, to_toml
from coexist.version import __version__

__all__ = [
    "TABLES",
    "RunData",
    "StoreError",
    "write_run",
    "read_run",
    "package_version",
    "is_run_folder",
    "check_destination",
    "recorded_scenario_hash",
    "safe_folder_name",
    "expand_out",
    "SHORT_HASH_LENGTH",
    "PEOPLE_FILE",
]

TABLES: tuple[str, ...] = ("stocks", "flows", "demand", "measures")
#: Characters of the scenario hash that ``{hash}`` in an output path stands for.
SHORT_HASH_LENGTH = 8
RUN_FILES: tuple[str, ...] = tuple(f"{t}.parquet" for t in TABLES) + ("metrics.json", "scenario.toml", "run.json")
PEOPLE_FILE = "people.parquet"  # optional: written when the result holds the people's spells


class StoreError(CoexistError):
    """A run folder cannot be written or read."""


@dataclass
class RunData:
    """A run folder loaded in memory.

    Attributes
    ----------
    stocks, flows, demand, measures : pyarrow.Table
    metrics : dict[str, float]
        Metric values (nan where undefined).
    definitions : dict
        Actor, unit, direction and description of each metric.
    run : dict
        Provenance (the content of run.json).
    scenario_toml : str
    folder : Path | None
    """

    stocks: pa.Table
    flows: pa.Table
    demand: pa.Table
    measures: pa.Table
    metrics: dict[str, float]
    definitions: dict[str, dict[str, str]]
    run: dict[str, Any]
    scenario_toml: str
    folder: Path | None = None

    @property
    def name(self) -> str:
        return str(self.run.get("scenario", {}).get("name", ""))


def package_version() -> str:
    """The version of coexist that wrote a run."""
    return __version__


def describe_scenario(scenario: Any) -> tuple[str, str]:
    """(fully resolved TOML, canonical hash) of a scenario, from the scenario package."""
    return to_toml(scenario), scenario_hash(scenario)


def _jsonable(value: Any) -> Any:
    """Plain JSON values: nan/inf become null, dates become ISO text, pydantic models dicts."""
    if hasattr(value, "model_dump"):
        return _jsonable(value.model_dump(mode="json", by_alias=True))
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(_jsonable(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")


def is_run_folder(folder: Path) -> bool:
    return (Path(folder) / "run.json").is_file()


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_folder_name(name: str) -> str:
    """``name`` as one folder name: runs of other characters than letters, digits, ``.``,
    ``_`` and ``-`` become ``_`` (so a scenario name never makes a path)."""
    return _UNSAFE.sub("_", str(name)).strip("._") or "scenario"


def expand_out(out: str | Path, *, name: str, scenario_hash: str, seed: int) -> Path:
    """An output path with ``{name}``, ``{hash}`` and ``{seed}`` replaced by the scenario name,
    the first :data:`SHORT_HASH_LENGTH` characters of its hash and the seed."""
    short_hash = safe_folder_name(scenario_hash[:SHORT_HASH_LENGTH])
    text = str(out).replace("{name}", safe_folder_name(name)).replace("{hash}", short_hash)
    return Path(text.replace("{seed}", str(seed)))


def recorded_scenario_hash(folder: str | Path) -> str | None:
    """The scenario hash a run folder's run.json records; None when it records none or cannot be read."""
    try:
        run = json.loads((Path(folder) / "run.json").read_text(encoding="utf-8"))
        digest = run["scenario"]["hash"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
    return digest if isinstance(digest, str) else None


def check_destination(folder: str | Path, *, scenario_hash: str | None = None) -> None:
    """Refuse a destination that is a file, or a non-empty folder that is not a run folder.

    With ``scenario_hash``, also refuse a run folder of another scenario (its run.json records
    another hash), so that a run replaces only an earlier run of the same resolved scenario.
    The error then names the argument ``out`` (a :class:`ScenarioError`).
    """
    folder = Path(folder)
    if folder.exists():
        if not folder.is_dir():
            raise StoreError(
                f"output folder must be a folder. Got {folder}, a file, instead. Choose another output folder."
            )
        if any(folder.iterdir()) and not is_run_folder(folder):
            raise StoreError(
                f"output folder {folder} exists and is not a coexist run folder; refusing to replace it. "
                "Choose another output folder or empty it."
            )
        if scenario_hash is not None and is_run_folder(folder):
            _check_same_scenario(folder, scenario_hash)


def _check_same_scenario(folder: Path, scenario_hash: str) -> None:
    recorded = recorded_scenario_hash(folder)
    if recorded == scenario_hash:
        return
    theirs = f"hash {recorded[:SHORT_HASH_LENGTH]}" if recorded else "no readable hash"
    raise ScenarioError(
        f"must be a new folder or a run of this scenario (hash {scenario_hash[:SHORT_HASH_LENGTH]}). "
        f"Got {folder} instead, which holds a run of another scenario ({theirs}). Choose another folder "
        "(with {hash} in its name, one per scenario), or delete that one to replace it.",
        field="out",
    )


def build_provenance(result: Any, scenario: Any, scenario_hash: str, *, wall_seconds_total: float) -> dict[str, Any]:
    """The content of run.json."""
    assumptions = getattr(scenario, "assumptions", None) or []
    return {
        "scenario": {
            "name": getattr(scenario, "name", ""),
            "description": getattr(scenario, "description", ""),
            "hash": scenario_hash,
            "start": getattr(scenario, "start", None),
            "end": getattr(scenario, "end", None),
            "scale": getattr(scenario, "scale", None),
        },
        "seed": int(result.seed),
        "scale": float(result.scale),
        "start": str(getattr(scenario, "start", "")),
        "end": str(getattr(scenario, "end", "")),
        "package": {"name": "coexist", "version": package_version()},
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "wall_seconds": {"engine": float(result.wall_seconds), "total": float(wall_seconds_total)},
        # compiling or loading the kernels, apart from the engine's time (about a minute the first time on a machine)
        "compile_seconds": float(getattr(result, "compile_seconds", 0.0)),
        "agents": int(result.agents),
        "agent_months": int(result.agent_months),
        "created": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        "assumptions": [_jsonable(a) for a in assumptions],
        "extra": _jsonable(getattr(result, "extra", {}) or {}),
    }


def write_run(
    folder: str | Path,
    result: Any,
    scenario: Any,
    *,
    wall_seconds_total: float,
    metrics: Mapping[str, float] | None = None,
    described: tuple[str, str] | None = None,
) -> Path:
    """Write one run to ``folder`` atomically.

    Parameters
    ----------
    folder : path
        Destination. Replaced if it holds an earlier run; refused if it holds anything else.
    result : SimulationResult
    scenario : Scenario
    wall_seconds_total : float
        Wall time of the whole run (load, simulate, metrics), for provenance.
    metrics : mapping, optional
        Already computed metrics; computed from ``result`` when omitted.
    described : (scenario TOML, scenario hash), optional
        The scenario as written to scenario.toml and run.json; from
        :func:`describe_scenario` when omitted.

    Returns
    -------
    Path
        The run folder.
    """
    folder = Path(folder)
    check_destination(folder)
    scenario_toml, digest = described if described is not None else describe_scenario(scenario)
    values = dict(metrics) if metrics is not None else compute_metrics(result, scenario)

    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create output folder {parent}: {exc.strerror or exc}.") from None
    tmp = parent / f".{folder.name}.partial-{uuid.uuid4().hex[:8]}"
    old: Path | None = None
    try:
        tmp.mkdir()
        for name in TABLES:
            table = getattr(result, name)
            pq.write_table(table, tmp / f"{name}.parquet", compression="zstd")
        people = getattr(result, "people", None)
        if people is not None:
            pq.write_table(people, tmp / PEOPLE_FILE, compression="zstd")
        _write_json(tmp / "metrics.json", {"metrics": values, "definitions": metric_definitions()})
        (tmp / "scenario.toml").write_text(scenario_toml, encoding="utf-8")
        _write_json(tmp / "run.json", build_provenance(result, scenario, digest, wall_seconds_total=wall_seconds_total))
        if folder.exists():
            old = parent / f".{folder.name}.old-{uuid.uuid4().hex[:8]}"
            folder.rename(old)
        tmp.rename(folder)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not folder.exists():
            old.rename(folder)
        if isinstance(exc, OSError):
            raise StoreError(f"cannot write run folder {folder}: {exc.strerror or exc}.") from None
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return folder


def read_run(folder: str | Path) -> RunData:
    """Load a run folder written by :func:`write_run`.

    Raises
    ------
    StoreError
        When the folder is missing or incomplete.
    """
    folder = Path(folder)
    missing = [f for f in RUN_FILES if not (folder / f).is_file()]
    if missing:
        raise StoreError(f"{folder} is not a complete coexist run folder: missing {', '.join(missing)}.")
    tables = {name: pq.read_table(folder / f"{name}.parquet") for name in TABLES}
    metrics_doc = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    metrics = {k: (math.nan if v is None else float(v)) for k, v in metrics_doc["metrics"].items()}
    return RunData(
        **tables,
        metrics=metrics,
        definitions=metrics_doc.get("definitions", {}),
        run=json.loads((folder / "run.json").read_text(encoding="utf-8")),
        scenario_toml=(folder / "scenario.toml").read_text(encoding="utf-8"),
        folder=folder,
    )
