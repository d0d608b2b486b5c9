"""The documentation the project carries stays true to the code.

docs/configuration.md lists every setting with its flag, default and help,
as crawler.config.Config defines them: regenerate the table with
`python -m tests.test_docs > docs/configuration.md` after adding a setting.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from crawler.config import Config, flag_of, setting_of, shown_default

ROOT = Path(__file__).parents[1]
HEADER = """# Settings

Every setting is a field of `crawler.config.Config`, the single source of
defaults. Each has a flag and a key in `[tool.rotwatch]` of the project's
`pyproject.toml` or in `rotwatch.toml` (the key is the name below); flags
override files, files override the defaults. Scrapy-only values stay in
`crawler/settings.py`.

| key | flag | default | what it sets |
|---|---|---|---|
"""


def settings_document() -> str:
    rows = [f"| `{f.name}` | `{flag_of(f.name)}` | {shown_default(f)} | {setting_of(f).help} |" for f in fields(Config)]
    return HEADER + "\n".join(rows) + "\n"


def test_the_settings_document_lists_every_setting_as_config_defines_it():
    assert (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8") == settings_document()


def test_nothing_in_the_repository_points_outside_it():
    tracked = [*ROOT.glob("*.md"), *ROOT.glob("docs/*"), *ROOT.rglob("crawler/**/*.py"), *ROOT.glob("examples/*")]
    outside = re.compile(r"\.\./shared|DESIGN\.md")
    assert [str(path) for path in tracked if outside.search(path.read_text(encoding="utf-8"))] == []


if __name__ == "__main__":
    print(settings_document(), end="")
