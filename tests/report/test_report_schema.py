"""report.json against docs/report.schema.json: real crawls, `rotwatch check`, hand-built views.

The end-to-end tests run the `rotwatch` command as a user would, against the
simulated web and archive on loopback (the `web` and `wayback` fixtures of
conftest.py): a crawl, `check --format json`, and `report` after an issue
gained a link no crawl has checked, whose reports must say it was not checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from crawler.report import json_report
from crawler.report.crawl_reports import write_crawl_reports
from crawler.simweb import HostSpec
from tests.cli_helpers import archive_flags, loopback_flags, rotwatch
from tests.report.links import WITH_DRIFT, rendered
from tests.report.scale import scale_view
from tests.report.views import drift_view, sample_view

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "report.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
# Served to this module by the `web` fixture in conftest.py.
HOSTS = [HostSpec("news.test", latency=0.01), HostSpec("blog.test", latency=0.01)]


def errors(document: dict) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in VALIDATOR.iter_errors(document)]


def crawl_document(view=None) -> dict:
    return json.loads(json_report.render_crawl(view or sample_view()))


def test_the_schema_is_a_valid_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_property_is_described():
    def undescribed(node: object, path: str) -> list[str]:
        found = []
        if isinstance(node, dict):
            for name, value in node.get("properties", {}).items():
                if "description" not in value:
                    found.append(f"{path}/{name}")
            for key, value in node.items():
                found += undescribed(value, f"{path}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                found += undescribed(value, f"{path}/{index}")
        return found

    assert undescribed(SCHEMA, "") == []


# --- hand-built documents ----------------------------------------------------------


def test_hand_built_crawl_and_check_documents_follow_the_schema():
    assert errors(crawl_document()) == []
    assert errors(crawl_document(scale_view(300, newly_dead=12, fixed=3, unchecked=5))) == []
    assert errors(json.loads(rendered("json"))) == []
    assert errors(crawl_document(drift_view())) == []
    assert errors(json.loads(rendered("json", WITH_DRIFT))) == []


PLACES = {
    "top level": lambda document: document,
    "occurrence": lambda document: document["links"][0]["occurrences"][0],
    "archive": lambda document: next(link["archive"] for link in document["links"] if link["archive"]),
    "summary": lambda document: document["summary"],
    "diff": lambda document: document["diff"],
    "drifted": lambda document: document["drifted"],
    "drift": lambda document: next(link["drift"] for link in document["links"] if link["drift"]),
}


@pytest.mark.parametrize("place", PLACES)
def test_unknown_keys_are_refused(place):
    document = crawl_document(drift_view())
    PLACES[place](document)["surprise"] = 1
    assert any("surprise" in error for error in errors(document))


def test_links_refuse_unknown_keys():
    document = crawl_document()
    document["links"][0] |= {"capture_status": "pending", "drift": None}
    assert errors(document) == []
    document["links"][0]["surprise"] = 1
    assert any("surprise" in error for error in errors(document))


@pytest.mark.parametrize(
    ("change", "valid"),
    [
        ({"kind": "casino"}, False),
        ({"then_on": "05/01/2023"}, False),
        ({"then_on": ""}, True),
        ({"capture": None}, True),
        ({"then": None}, False),
    ],
)
def test_a_drift_is_exactly_the_documented_evidence(change, valid):
    document = crawl_document(drift_view())
    drifted = next(link for link in document["links"] if link["drift"])
    drifted["drift"] |= change
    assert (errors(document) == []) is valid
    del drifted["drift"]
    assert any("drift" in error for error in errors(document))  # every link says whether it drifted


def test_every_capture_names_its_archive():
    document = crawl_document(drift_view())
    captured = [link["archive"] for link in document["links"] if link["archive"]]
    assert {capture["archive"] for capture in captured} == {"wayback", "archive.today"}
    del captured[0]["archive"]
    assert errors(document)
    captured[0]["archive"] = "Archive Today"  # a name as configured, not as shown
    assert errors(document)


def test_a_crawl_document_needs_the_crawl_fields_on_every_link():
    document = crawl_document()
    del document["links"][0]["dead"]
    assert errors(document)
    check = json.loads(rendered("json"))
    check["diff"] = {"newly_dead": [], "fixed": [], "still_dead": []}
    assert errors(check)  # the diff comes with not_checked, and the crawl fields
    check["not_checked"] = 0
    assert errors(check)


def test_moments_carry_their_utc_offset():
    document = crawl_document()
    document["generated_at"] = "2024-05-02T06:00:00"
    assert errors(document)


# --- real runs ---------------------------------------------------------------------


@pytest.fixture
def archive(tmp_path, web, wayback):
    issues = tmp_path / "issues"
    issues.mkdir()
    (issues / "2024-03-27-weekly.md").write_text(
        "# 周刊\n\n"
        f"* 好 [链接]({web.scenario_url('ok-utf8', 'news.test')})\n"
        f"* 坏 [链接]({web.scenario_url('not-found', 'news.test')})\n"
        f"* 搬家 [链接]({web.scenario_url('moved-301', 'blog.test')})\n"
        f"见 <{web.scenario_url('gone', 'blog.test')}>\n",
        encoding="utf-8",
    )
    wayback.add_capture(web.scenario_url("not-found", "news.test"), "20240320000000", title="Was here")
    return tmp_path


def test_a_real_crawls_report_json_follows_the_schema(archive, web):
    run = rotwatch("crawl", *loopback_flags(web), *archive_flags(web), "--retries", "0", cwd=archive)
    assert run.returncode == 0, run.stderr
    document = json.loads((archive / "reports" / "report.json").read_text(encoding="utf-8"))
    assert errors(document) == []
    assert document["drifted"] == {"takeover": 0, "parked": 0, "replaced": 0}
    assert document["diff"]["newly_drifted"] == []
    dead = {link["url"].rsplit("/", 1)[1]: link["dead"] for link in document["links"]}
    assert dead == {"ok-utf8": False, "not-found": True, "moved-301": False, "gone": True}
    assert sorted(url.rsplit("/", 1)[1] for url in document["diff"]["newly_dead"]) == ["gone", "not-found"]
    assert document["not_checked"] == 0
    gone = next(link for link in document["links"] if link["url"].endswith("/gone"))
    assert gone["failing_since"] and gone["dead_since"]


def test_check_format_json_follows_the_schema(archive, web):
    run = rotwatch("check", "issues", "--format", "json", *loopback_flags(web), "--retries", "0", cwd=archive)
    assert run.returncode == 1, run.stderr
    document = json.loads(run.stdout)
    assert errors(document) == []
    assert "diff" not in document and "dead" not in document["links"][0]


def test_reports_of_links_no_crawl_checked_say_so(archive, web):
    assert rotwatch("crawl", *loopback_flags(web), *archive_flags(web), cwd=archive).returncode == 0
    (archive / "issues" / "2024-04-03-weekly.md").write_text(
        f"* 新 [链接]({web.url('news.test', '/never-checked')})\n", encoding="utf-8"
    )
    run = rotwatch("report", cwd=archive)
    assert run.returncode == 0, run.stderr
    reports = archive / "reports"
    document = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    assert errors(document) == []
    assert document["not_checked"] == 1
    unchecked = next(link for link in document["links"] if link["url"].endswith("/never-checked"))
    assert unchecked["error"] == "no answer recorded" and unchecked["dead"] is False
    assert "1 link was not checked" in (reports / "index.html").read_text(encoding="utf-8")
    assert "**1 link was not checked**" in (reports / "dead-links.md").read_text(encoding="utf-8")


def test_written_report_json_is_the_crawl_document(tmp_path: Path):
    write_crawl_reports(sample_view(), tmp_path)
    assert (tmp_path / "report.json").read_text(encoding="utf-8") == json_report.render_crawl(sample_view())


def test_the_documented_example_follows_the_schema():
    text = (Path(__file__).parents[2] / "docs" / "report-json.md").read_text(encoding="utf-8")
    example = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    assert errors(example) == []
    assert list(example) == list(crawl_document())
    assert [list(link) for link in example["links"]] == [list(crawl_document()["links"][0])] * 2
