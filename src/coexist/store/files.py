"""Writing single files: atomically (no half-written file is ever seen) and as strict JSON."""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["write_text_atomic", "write_text_files", "json_safe", "json_text"]


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`."""
    tmp = path.with_name(f".{path.name}.partial-{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_files(folder: Path, texts: Mapping[str, str]) -> dict[str, Path]:
    """Create ``folder`` and write each text of ``texts`` (file name: text) into it atomically,
    in the order given (the last is the one a reader opens: it appears once the others are
    there). Returns their paths by name."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, text in texts.items():
        files[name] = folder / name
        write_text_atomic(files[name], text)
    return files


def json_text(value: Any) -> str:
    """``value`` as strict JSON text (through :func:`json_safe`), indented by one, with a final newline."""
    return json.dumps(json_safe(value), indent=1, allow_nan=False) + "\n"


def json_safe(value: Any) -> Any:
    """`value` with non-finite floats as None, keys as strings, dates as ISO text and paths
    as strings, so that ``json.dumps(..., allow_nan=False)`` accepts it."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value
