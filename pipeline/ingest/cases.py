"""Reading a folder's case.toml into a `Case` (the record itself is in `pipeline.data`)."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from pipeline.data import Case, City

__all__ = ["Case", "CaseFileError", "City", "adhoc_case", "load_case"]  # Case and City live in data.py; kept here for old imports and pickles

log = logging.getLogger(__name__)


class CaseFileError(ValueError):
    """A case.toml that cannot be read: the message names the file and the problem."""


def _text(path: Path, where: str, value, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise CaseFileError(f"{path}: {where} must be a string, got {type(value).__name__} {value!r:.60}")
    return value


def _texts(path: Path, where: str, value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CaseFileError(f"{path}: {where} must be a list of strings, got {value!r:.60}")
    return list(value)


def load_case(path: Path) -> Case:
    """Read and check a case.toml; any problem is a CaseFileError naming the file and the field."""
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CaseFileError(f"{path}: not valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise CaseFileError(f"{path}: not a text file (TOML must be UTF-8): {exc.reason} at byte {exc.start}") from exc
    except (OSError, ValueError) as exc:
        raise CaseFileError(f"{path}: cannot read case file ({exc})") from exc
    slug = _text(path, "slug", raw.get("slug")) or path.parent.name
    period = raw.get("period", "")
    if not isinstance(period, str | int):
        raise CaseFileError(f"{path}: period must be a string such as \"2016-2021\", got {period!r:.60}")
    entries = raw.get("cities", [])
    if not isinstance(entries, list) or not all(isinstance(c, dict) for c in entries):
        raise CaseFileError(f"{path}: cities must be [[cities]] tables (name = ..., side = ...), got {entries!r:.60}")
    cities = []
    for k, c in enumerate(entries, 1):
        if "name" not in c:
            raise CaseFileError(f"{path}: every [[cities]] entry needs a name")
        where = f"cities[{k}]"
        side = _text(path, f"{where}.side", c.get("side"), "local")
        if side not in {"local", "partner"}:
            raise CaseFileError(f"{path}: {where}.side must be \"local\" or \"partner\", got {side!r:.60}")
        cities.append(City(name=_text(path, f"{where}.name", c["name"]),
                           country=_text(path, f"{where}.country", c.get("country")), side=side,
                           aliases=_texts(path, f"{where}.aliases", c.get("aliases"))))
    return Case(slug=slug, title=_text(path, "title", raw.get("title"), slug), period=str(period),
                fields=_texts(path, "fields", raw.get("fields")), cities=cities, folder=path.parent)


def adhoc_case(slug: str) -> Case:
    """A case known only by its slug (loose files given to `analyze`)."""
    return Case(slug=slug, title=slug)
