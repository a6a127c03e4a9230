"""Cases: one pair of cities over a period, described by a folder's case.toml."""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


class CaseFileError(ValueError):
    """A case.toml that cannot be read: the message names the file and the problem."""


@dataclass(slots=True)
class City:
    name: str
    country: str = ""
    side: str = "local"
    aliases: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        return [self.name, *self.aliases]


@dataclass(slots=True)
class Case:
    slug: str
    title: str = ""
    period: str = ""
    fields: list[str] = field(default_factory=list)
    cities: list[City] = field(default_factory=list)
    folder: Path | None = None

    @property
    def local(self) -> City | None:
        return next((c for c in self.cities if c.side == "local"), None)

    @property
    def partner(self) -> City | None:
        return next((c for c in self.cities if c.side == "partner"), None)

    def name_pattern(self) -> re.Pattern[str] | None:
        names = sorted({n for c in self.cities for n in c.names() if n}, key=len, reverse=True)
        if not names:
            return None
        return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)


def load_case(path: Path) -> Case:
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CaseFileError(f"{path}: cannot read case file ({exc})") from exc
    slug = raw.get("slug") or path.parent.name
    cities = []
    for c in raw.get("cities", []):
        if "name" not in c:
            raise CaseFileError(f"{path}: every [[cities]] entry needs a name")
        cities.append(City(name=c["name"], country=c.get("country", ""), side=c.get("side", "local"),
                           aliases=list(c.get("aliases", []))))
    return Case(slug=slug, title=raw.get("title", slug), period=str(raw.get("period", "")),
                fields=list(raw.get("fields", [])), cities=cities, folder=path.parent)


def adhoc_case(slug: str) -> Case:
    """A case known only by its slug (loose files given to `analyze`)."""
    return Case(slug=slug, title=slug)
