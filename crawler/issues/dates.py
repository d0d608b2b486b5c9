"""An issue's publication date, as its author wrote it.

The date matters for the archive: the capture closest before it is what the
editor saw. Archives name issues `YYYY-MM-DD-...`, so a date prefix of the
file name wins; else the `date:` line of YAML front matter. When neither
gives one, `crawler.issues.reading` asks git for the last commit's date.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import PurePath

from crawler.issues.positions import normalize_source

__all__ = ["date_from_name_or_front_matter"]

_NAME_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?!\d)")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*$", re.S | re.M)
_DATE_LINE = re.compile(r"""^date[ \t]*:[ \t]*["']?(\d{4})-(\d{2})-(\d{2})(?!\d)""", re.M)


def date_from_name_or_front_matter(name: str, text: str) -> date | None:
    """The issue's publication date as its author wrote it, if anywhere.

    A `YYYY-MM-DD` prefix of the file name wins (archives are named that
    way); else the `date:` line of YAML front matter (`2024-03-27`, quoted,
    or with a time after it). Impossible dates count as absent.
    """
    named = _NAME_DATE.match(PurePath(name).name)
    if named and (found := _valid_date(named)):
        return found
    front_matter = _FRONT_MATTER.match(normalize_source(text))
    dated = front_matter and _DATE_LINE.search(front_matter.group(1))
    return _valid_date(dated) if dated else None


def _valid_date(match: re.Match[str]) -> date | None:
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None
