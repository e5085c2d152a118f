"""Scenario files uploaded to the dashboard: checked, then kept under a generated name.

An upload is refused unless it is small enough, UTF-8 text, valid TOML, extends nothing
but a shipped scenario, and loads as a scenario (the loader's own checks, as
``coexist run`` makes them). It is kept as ``<store>/.uploads/upload-<32 hex digits>.toml``:
the name a user gave the file never reaches the filesystem, and a scenario is named in
requests by that generated id only.
"""

from __future__ import annotations

import re
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coexist.errors import ScenarioError
from coexist.scenario import load_scenario, shipped_scenarios

__all__ = ["Uploads", "UPLOAD_ID"]

UPLOAD_ID = re.compile(r"^upload-[0-9a-f]{32}$")
_MAX_NAME = 80


@dataclass(frozen=True)
class Uploads:
    """The uploaded scenarios of one run store (kept in ``folder``)."""

    folder: Path
    max_bytes: int
    max_files: int = 200

    def path(self, ref: Any) -> Path | None:
        """The file of an upload id, or None when ``ref`` is not the id of a kept upload."""
        if not isinstance(ref, str) or not UPLOAD_ID.match(ref):
            return None
        path = self.folder / f"{ref}.toml"
        return path if path.is_file() else None

    def add(self, data: bytes, filename: str) -> dict[str, Any]:
        """Check an uploaded file and keep it; return its id, scenario name and description.
        A ScenarioError (field ``file``) says what is wrong, in the loader's words."""
        shown = " ".join(str(filename or "scenario file").split())[:_MAX_NAME]
        if len(data) > self.max_bytes:
            raise ScenarioError(f"must be at most {self.max_bytes:,} bytes. Got {len(data):,} bytes instead.",
                                field="file")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ScenarioError("must be a TOML text file (UTF-8). Got binary data instead: upload a scenario "
                                "file such as one 'coexist scenarios show' prints.", field="file") from None
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"is not valid TOML: {exc}. Fix the syntax there (docs/scenarios.md shows the "
                                "format).", source=shown) from None
        shipped = [name for name, _ in shipped_scenarios()]
        parent = raw.get("extends")
        if parent is not None and parent not in shipped:
            raise ScenarioError(f"must name a shipped scenario in an uploaded file ({', '.join(shipped)}). Got "
                                f"{str(parent)[:_MAX_NAME]!r} instead.", source=shown, field="extends")
        name = raw.get("name")
        if isinstance(name, str) and len(name) > _MAX_NAME:
            raise ScenarioError(f"must be at most {_MAX_NAME} characters. Got {len(name)} instead.", source=shown,
                                field="name")
        self.folder.mkdir(parents=True, exist_ok=True)
        kept = sum(1 for _ in self.folder.glob("upload-*.toml"))
        if kept >= self.max_files:
            raise ScenarioError(f"cannot be kept: this server keeps at most {self.max_files} uploaded scenarios and "
                                "has them already. Ask its administrator to make room.", field="file")
        ref = f"upload-{uuid.uuid4().hex}"
        path = self.folder / f"{ref}.toml"
        path.write_text(text, encoding="utf-8")
        try:
            scenario = load_scenario(str(path))
        except ScenarioError as exc:
            path.unlink()
            # the loader names the file by its path on the server: name it as the user knows it
            raise ScenarioError(str(exc).replace(str(path), shown)) from None
        return {"ref": ref, "name": scenario.name, "description": " ".join(scenario.description.split()),
                "uploaded": True, "file": shown}

    def listed(self) -> list[dict[str, Any]]:
        """The kept uploads, oldest first (those that still load)."""
        if not self.folder.is_dir():
            return []
        out = []
        for path in sorted(self.folder.glob("upload-*.toml"), key=lambda p: p.stat().st_mtime):
            if not UPLOAD_ID.match(path.stem):
                continue
            try:
                scenario = load_scenario(str(path))
            except ScenarioError:
                continue
            out.append({"ref": path.stem, "name": scenario.name,
                        "description": " ".join(scenario.description.split()), "uploaded": True})
        return out
