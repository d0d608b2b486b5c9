"""Tests for crawler/check/reasons.py: the catalogue is complete in both languages,
every reason `assess` can give reads as Chinese, English reasons read back from the
state database are recognised, and the Chinese HTML report shows them translated."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from http import HTTPStatus

import pytest

import crawler.check.reasons
from crawler.check.classify import assess
from crawler.check.reasons import (
    CATALOGUE,
    LANGUAGES,
    Reason,
    assessment,
    fields_of,
    from_rule,
    reason_in,
    recognise,
    translate,
)
from crawler.check.site_rules import parse_rules, shipped_rules
from crawler.models import Assessment, CheckResult, ErrorKind, Hop, LinkHistory, LinkReport, Page, RunDiff, Verdict
from crawler.nightly.view import CrawlView, as_reported
from crawler.report.html import render
from tests.report.views import MARCH, WHEN, dead_history, link, tree

URL = "https://example.com/2024/03/ai-weekly"


def test_public_names_are_pinned():
    assert crawler.check.reasons.__all__ == [
        "CATALOGUE",
        "LANGUAGES",
        "Reason",
        "Template",
        "assessment",
        "fields_of",
        "from_rule",
        "reason_in",
        "recognise",
        "translate",
    ]


# ---------------------------------------------------------------- catalogue


@pytest.mark.parametrize("key", CATALOGUE)
def test_every_key_has_both_languages_with_the_same_fields(key: str):
    template = CATALOGUE[key]
    assert LANGUAGES == ("en", "zh")
    assert template.en.strip() and template.zh.strip()
    assert fields_of(template.en) == fields_of(template.zh)


# A value for every field a template names, as an English reason shows it.
SAMPLE_FIELDS = {
    "status": "404",
    "phrase": "Not Found",
    "provider": "Cloudflare",
    "url": "https://example.com/new?x=1",
    "title": "Page Not Found | Example",
    "heading": "页面不存在",
    "evidence": "title says “404”",
    "runs": "3",
    "since": "2024-05-01",
    "reason": "timed out",
    "then": "快速入门 – React",
    "now": "Situs Slot Gacor Terpercaya",
    "words": "“slot gacor”, “togel”",
}


@pytest.mark.parametrize("key", CATALOGUE)
def test_an_english_reason_is_recognised_with_its_fields(key: str):
    fields = {name: SAMPLE_FIELDS[name] for name in fields_of(CATALOGUE[key].en)}
    english = Reason(key, fields).text("en")
    recognised = recognise(english)
    assert recognised is not None
    assert (recognised.key, dict(recognised.fields)) == (key, fields)


def test_a_reason_takes_exactly_its_fields():
    with pytest.raises(ValueError, match=r"reason 'http_status' takes \['phrase', 'status'\]"):
        Reason("http_status", {"status": 404})
    with pytest.raises(KeyError):
        Reason("no-such-reason")


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match=r"unknown reason language 'fr'; choose from en, zh"):
        reason_in(Assessment(Verdict.OK, "200 OK"), "fr")


def test_unknown_text_is_shown_as_stored():
    assert recognise("HTTP 403: refuses automated clients") is None
    assert translate("HTTP 403: refuses automated clients", "zh") == "HTTP 403: refuses automated clients"
    assert translate("timed out", "en") == "timed out"


def test_nested_reason_that_is_not_known_keeps_its_own_text():
    stored = "unreachable in 3 crawls since 2024-05-01: Intranet: behind the staff login"
    assert translate(stored, "zh") == "自 2024-05-01 起连续 3 次抓取无法访问：Intranet: behind the staff login"


# ------------------------------------------------- every reason, in Chinese

CHALLENGES = [
    CheckResult(URL, 403, headers={"cf-mitigated": "challenge"}),
    CheckResult(URL, 403, headers={"x-vercel-mitigated": "challenge"}),
    CheckResult(URL, 202, headers={"x-amzn-waf-action": "captcha"}),
    CheckResult(URL, 200, page=Page(title="DDoS-Guard")),
    CheckResult(URL, 403, page=Page(title="Sucuri WebSite Firewall - Access Denied")),
    CheckResult(URL, 200, page=Page(title="百度安全验证")),
    CheckResult(URL, 200, page=Page(text="Request unsuccessful. Incapsula incident ID: 123")),
    CheckResult(URL, 200, page=Page(text="环境异常 完成验证后即可继续访问")),
]
PAGES = [
    CheckResult(URL, 200, page=Page(title="example.com is for sale")),
    CheckResult(URL, 200, page=Page(title="Page Not Found | Example")),
    CheckResult(URL, 200, page=Page(title="Example", heading="404")),
    CheckResult(URL, 200, final_url="https://example.com/", redirects=(Hop(URL, 302),)),
    CheckResult("http://example.com/a", 200, final_url="https://example.com/b", redirects=(Hop(URL, 301),)),
]
STATUSES = [CheckResult(URL, int(status)) for status in HTTPStatus] + [
    CheckResult(URL, status) for status in (299, 522, 599, 999, 600)
]
ERRORS = [CheckResult(URL, error=kind) for kind in ErrorKind] + [CheckResult(URL)]
# Every branch of `assess`: each error, each status, each kind of page.
VERDICT_TABLE = ERRORS + STATUSES + CHALLENGES + PAGES

# Names and codes a Chinese reason keeps as they are.
KEPT = {"NXDOMAIN", "HTTP", "TLS", "http", "s", "Cloudflare", "Vercel", "AWS", "WAF", "DDoS", "Guard", "Sucuri"}
KEPT |= {"Imperva", "X", "YouTube", "GitHub", "Hugging", "Face", "Medium", "arXiv", "HugeDomains", "Dan", "com"}
KEPT |= {"GoDaddy", "Afternic"}


def english_left(text: str) -> list[str]:
    """The ASCII words of a Chinese reason that are not codes, names, URLs or quoted titles."""
    text = re.sub(r"https?://\S+", " ", re.sub(r"“[^”]*”", " ", text))
    return [word for word in re.findall(r"[A-Za-z]+", text) if word not in KEPT]


def test_the_verdict_table_reaches_every_reason():
    used = {recognised.key for case in VERDICT_TABLE if (recognised := recognise(assess(case).reason))}
    nested = {"title_says", "heading_says"}
    drift = {key for key in CATALOGUE if key.startswith("drift_")}  # tests/check/test_drift.py reaches them
    assert used | nested | drift | {"dead_after_crawls", "dead_after_crawls_undated"} == set(CATALOGUE)
    assert {assess(case).verdict for case in VERDICT_TABLE} == set(Verdict)


@pytest.mark.parametrize("case", VERDICT_TABLE, ids=lambda case: str(case.error or case.http_status))
def test_every_reason_assess_gives_reads_as_chinese(case: CheckResult):
    judged = assess(case)
    chinese = reason_in(judged, "zh")
    assert chinese != judged.reason or re.fullmatch(r"(HTTP )?\d+", chinese)
    assert english_left(chinese) == [], chinese
    # Read back from the state database (English only), it reads the same.
    assert reason_in(Assessment(judged.verdict, judged.reason), "zh") == chinese
    assert reason_in(judged, "en") == judged.reason


@pytest.mark.parametrize("rule", shipped_rules(), ids=lambda rule: rule.name)
def test_every_shipped_rule_reads_as_chinese(rule):
    judged = from_rule(rule)
    assert (judged.verdict, judged.reason) == (rule.verdict, rule.reason)
    assert reason_in(judged, "zh") == rule.reason_zh
    assert english_left(rule.reason_zh) == [], rule.reason_zh
    assert translate(rule.reason, "zh") == rule.reason_zh  # as stored, read back


def test_a_users_rule_speaks_chinese_only_when_it_says_so():
    plain, translated = parse_rules(
        """
        [[rule]]
        name = "intranet-login"
        hosts = ["example.com"]
        final_url = "/login"
        verdict = "blocked"
        reason = "Intranet: behind the staff login"

        [[rule]]
        name = "intranet-gone"
        hosts = ["example.com"]
        status = [404]
        verdict = "broken"
        reason = "Intranet: page removed"
        reason_zh = "内网：页面已删除"
        """,
        "my-rules.toml",
    )
    assert reason_in(from_rule(plain), "zh") == "Intranet: behind the staff login"
    assert reason_in(from_rule(translated), "zh") == "内网：页面已删除"


# ------------------------------------------------------------- dead links


def timed_out() -> LinkReport:
    report = link(URL, Verdict.UNREACHABLE, "", ((MARCH, 1),))
    return replace(report, assessment=assess(CheckResult(URL, error=ErrorKind.TIMEOUT)))


@pytest.mark.parametrize(
    ("since", "english", "chinese"),
    [
        (
            datetime(2024, 5, 1, tzinfo=UTC),
            "unreachable in 3 crawls since 2024-05-01: timed out",
            "自 2024-05-01 起连续 3 次抓取无法访问：请求超时",
        ),
        (None, "unreachable in 3 crawls since a while: timed out", "连续 3 次抓取无法访问：请求超时"),
    ],
)
def test_a_link_dead_by_the_crawl_rule_reads_as_chinese(since: datetime | None, english: str, chinese: str):
    history = LinkHistory(URL, datetime(2024, 1, 1, tzinfo=UTC), failing_since=since, dead=True, consecutive_failures=3)
    dead = as_reported(timed_out(), history).assessment
    assert (dead.verdict, dead.reason, reason_in(dead, "zh")) == (Verdict.BROKEN, english, chinese)
    assert translate(english, "zh") == chinese


def test_a_dead_links_nested_rule_keeps_its_own_chinese():
    (rule,) = parse_rules(
        """
        [[rule]]
        name = "upkeep"
        hosts = ["example.com"]
        status = [503]
        verdict = "unreachable"
        reason = "Example: down for upkeep"
        reason_zh = "示例：维护中"
        """,
        "my-rules.toml",
    )
    dead = assessment(Verdict.BROKEN, "dead_after_crawls", runs=4, since="2024-05-01", reason=from_rule(rule))
    assert dead.reason == "unreachable in 4 crawls since 2024-05-01: Example: down for upkeep"
    assert reason_in(dead, "zh") == "自 2024-05-01 起连续 4 次抓取无法访问：示例：维护中"


# -------------------------------------------------------------- the page


def reason_view() -> CrawlView:
    """Two dead links: one just checked, one read back from the state database."""
    fresh = replace(link(URL, Verdict.BROKEN, "", ((MARCH, 3),)), assessment=assess(CheckResult(URL, 404)))
    stored = link("https://gone.example.org/", Verdict.BROKEN, "name does not resolve (NXDOMAIN)", ((MARCH, 5),))
    return CrawlView(
        reports=[fresh, stored],
        histories={report.url: dead_history(report.url, WHEN) for report in (fresh, stored)},
        issue_dates={},
        diff=RunDiff(newly_dead=(fresh.url, stored.url)),
        generated_at=WHEN,
    )


def test_the_chinese_page_shows_the_reasons_in_chinese():
    document = tree(render(reason_view(), lang="zh"))
    cells = [cell.text_content() for cell in document.xpath('//section[@id="dead"]//td[@class="col-reason"]')]
    assert cells == ["404 未找到", "域名无法解析（NXDOMAIN）"]
    changes = [span.text_content() for span in document.xpath('//span[@class="why"]')]
    assert changes == ["404 未找到", "域名无法解析（NXDOMAIN）"]


def test_the_english_page_shows_the_reasons_as_they_are():
    page = render(reason_view(), lang="en")
    document = tree(page)
    cells = [cell.text_content() for cell in document.xpath('//section[@id="dead"]//td[@class="col-reason"]')]
    assert cells == ["404 Not Found", "name does not resolve (NXDOMAIN)"]
    assert "未找到" not in page
