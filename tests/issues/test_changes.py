"""Tests for crawler/issues/changes.py: lines added since a git ref."""

import subprocess

import crawler.issues.changes
from crawler.issues.changes import added_lines, only_added, parse_added_lines
from crawler.models import LinkKind, LinkOccurrence


def test_public_names_are_pinned() -> None:
    assert crawler.issues.changes.__all__ == ["added_lines", "only_added", "parse_added_lines"]


DIFF = """diff --git a/issues/a.md b/issues/a.md
index 1..2 100644
--- a/issues/a.md
+++ b/issues/a.md
@@ -3,0 +4,2 @@ heading
+new line one
+new line two
@@ -10 +12 @@
-old
+changed
diff --git a/issues/gone.md b/issues/gone.md
deleted file mode 100644
--- a/issues/gone.md
+++ /dev/null
@@ -1,2 +0,0 @@
-x
-y
"""


def occurrence(issue, line):
    return LinkOccurrence(f"https://e.com/{line}", issue, line, 1, "t", LinkKind.LINK, f"https://e.com/{line}")


def test_hunks_give_added_line_numbers():
    assert parse_added_lines(DIFF) == {"issues/a.md": {4, 5, 12}}


def test_only_links_on_added_lines_are_kept():
    links = [occurrence("issues/a.md", n) for n in (3, 4, 12)] + [occurrence("issues/b.md", 1)]
    kept = only_added(links, {"issues/a.md": {4, 5, 12}, "issues/b.md": None})
    assert [(o.issue, o.line) for o in kept] == [("issues/a.md", 4), ("issues/a.md", 12), ("issues/b.md", 1)]


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_added_lines_from_a_real_repository(tmp_path):
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "old.md").write_text("a\nb\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "first")
    (tmp_path / "issues" / "old.md").write_text("a\nnew\nb\n")
    (tmp_path / "issues" / "new.md").write_text("x\n")
    changes = added_lines("HEAD", tmp_path)
    assert changes["issues/old.md"] == {2}
    assert changes["issues/new.md"] is None
