"""Reading the text files users give (scenarios, targets, params) with clear errors.

A path that is missing, a folder, or a file that is not UTF-8 text is an error naming
the file (a :class:`~coexist.errors.DataError` unless the caller asks for another
kind), not a traceback.
"""

from __future__ import annotations

from pathlib import Path

from coexist.errors import CoexistError, DataError

__all__ = ["read_text_file"]


def read_text_file(path: str | Path, what: str, error: type[CoexistError] = DataError) -> str:
    """The text of a UTF-8 file (newlines as ``Path.read_text`` gives them).

    Parameters
    ----------
    path : the file.
    what : what the file is, for the error, e.g. ``"targets file"``.
    error : the kind of error to raise.

    Raises
    ------
    DataError (or ``error``)
        When ``path`` does not exist, is not a regular file, cannot be read or is not UTF-8 text.
    """
    path = Path(path)
    label = f"{what} {str(path)!r}"
    if path.is_dir():
        raise error(f"{label} must be a file. Got a folder instead: give the path of the file inside it.")
    if not path.exists():
        raise error(f"{label} does not exist.")
    if not path.is_file():
        raise error(f"{label} must be a regular file. Got another kind of file instead.")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{label} must be UTF-8 text. Got the byte {exc.object[exc.start]:#04x} at position {exc.start}, "
                    "which is not UTF-8, instead (a binary file?): save it as UTF-8 text.") from None
    except OSError as exc:
        raise error(f"{label} cannot be read: {exc.strerror or exc}.") from None
