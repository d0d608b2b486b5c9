"""Tests for crawler/check/site_rules.py: loading, checking and matching site rules,
and the shipped site_rules.toml against the saved real-world pages."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

import crawler.check.site_rules
from crawler.check.site_rules import first_rule, fold, load_rules, parse_rules, read_rules, shipped_rules
from crawler.errors import ConfigError
from crawler.models import CheckResult, Hop, Page, Verdict
from tests.check.test_classify import PAGES, recorded

ROOT = Path(__file__).parents[2]


def rule_text(**fields: object) -> str:
    """One [[rule]] table with valid defaults, `fields` replacing, adding or (None) dropping keys."""
    values: dict[str, object] = {
        "name": "example-gone",
        "hosts": ["example.com"],
        "text": "gone",
        "verdict": "broken",
        "reason": "Example: gone",
    }
    values.update(fields)
    lines = ["[[rule]]"]
    lines += [f"{key} = {_toml(value)}" for key, value in values.items() if value is not None]
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_toml(item)}" for key, item in value.items()) + " }"
    return str(value)


def the_rule(**fields: object):
    (rule,) = parse_rules(rule_text(**fields), "test.toml")
    return rule


def test_public_names_are_pinned():
    assert crawler.check.site_rules.__all__ == [
        "SiteRule",
        "first_rule",
        "fold",
        "load_rules",
        "parse_rules",
        "read_rules",
        "shipped_rules",
    ]


# --------------------------------------------------------------- shipped


def test_shipped_rules_load_with_a_source_each():
    rules = shipped_rules()
    assert len(rules) >= 25
    assert all(rule.source and rule.origin == "site_rules.toml" for rule in rules)


def test_shipped_rules_are_package_data():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "site_rules.toml" in pyproject["tool"]["setuptools"]["package-data"]["crawler.check"]


def test_shipped_reasons_are_short():
    assert all(len(rule.reason) <= 120 for rule in shipped_rules())


def test_shipped_rules_give_their_reason_in_chinese_too():
    assert all(rule.reason_zh and len(rule.reason_zh) <= 120 for rule in shipped_rules())
    zh = {rule.name: rule.reason_zh for rule in shipped_rules()}
    assert zh["wechat-deleted"] == "微信：作者已删除这篇文章"


def test_shipped_rules_must_give_reason_zh():
    with pytest.raises(ConfigError, match=r"rule 1 \('example-gone'\): missing field 'reason_zh'"):
        parse_rules(rule_text(), "site_rules.toml", require_zh=True)
    (rule,) = parse_rules(rule_text(reason_zh="示例：已删除"), "site_rules.toml", require_zh=True)
    assert (rule.reason, rule.reason_zh) == ("Example: gone", "示例：已删除")


def test_a_user_rule_may_give_only_the_english_reason():
    assert the_rule().reason_zh is None
    assert the_rule(reason_zh="  示例：已删除 ").reason_zh == "示例：已删除"


# Sites that answer in both languages, and the languages of their saved pages.
BILINGUAL = {"wechat-violation": {"en", "zh"}}


def saved_pages_by_rule() -> dict[str, set[str]]:
    langs: dict[str, set[str]] = defaultdict(set)
    for entry in PAGES:
        if "rule" in entry:
            langs[entry["rule"]].add(entry["lang"])
    return langs


@pytest.mark.parametrize("rule", shipped_rules(), ids=lambda rule: rule.name)
def test_every_shipped_rule_has_a_saved_real_page(rule):
    langs = saved_pages_by_rule()
    assert rule.name in langs, f"no saved page in tests/data/real_world_pages.toml for {rule.name}"
    assert BILINGUAL.get(rule.name, set()) <= langs[rule.name]


@pytest.mark.parametrize("entry", [entry for entry in PAGES if "rule" in entry], ids=lambda entry: entry["what"])
def test_saved_page_is_decided_by_its_rule(entry):
    rule = first_rule(shipped_rules(), recorded(entry))
    assert rule is not None and rule.name == entry["rule"]
    assert rule.verdict == Verdict(entry["expect"])


# ---------------------------------------------------------------- matching


def result(url: str = "https://example.com/a", **fields) -> CheckResult:
    fields.setdefault("http_status", 200)
    return CheckResult(url=url, **fields)


@pytest.mark.parametrize("host", ["example.com", "www.example.com", "m.news.example.com", "EXAMPLE.com."])
def test_rule_is_about_its_hosts_and_their_subdomains(host: str):
    assert the_rule().is_about(f"https://{host}/x")


@pytest.mark.parametrize("host", ["notexample.com", "example.com.evil.net", "example.org"])
def test_rule_is_not_about_lookalike_hosts(host: str):
    assert not the_rule().is_about(f"https://{host}/x")


def test_rule_is_not_about_a_malformed_url():
    assert not the_rule().is_about("http://[example.com/x")


@pytest.mark.parametrize(
    ("url", "final_url", "matched"),
    [
        ("https://example.com/x", None, True),
        ("https://m.news.example.com/x", None, True),
        ("https://EXAMPLE.com./x", None, True),
        ("https://a..example.com/x", None, True),
        ("https://short.link/x", "https://www.example.com/landing", True),
        ("https://example.com/x", "http://[broken/", True),
        ("https://notexample.com/x", None, False),
        ("https://example.com.evil.net/x", None, False),
        ("http://[example.com/x", None, False),
    ],
)
def test_first_rule_matches_hosts_as_is_about_does(url: str, final_url: str | None, matched: bool):
    rules = (the_rule(hosts=["other.org"]), the_rule(), the_rule(hosts=["example.com", "news.example.com"]))
    checked = result(url, final_url=final_url, page=Page(title="x", text="This page is gone"))
    expected = next((rule for rule in rules if rule.holds_for(checked)), None)
    assert first_rule(rules, checked) is expected
    assert (expected is rules[1]) is matched


def test_rule_holds_on_the_page_a_link_ended_on():
    rule = the_rule(hosts=["hugedomains.com"], final_url="/domain_profile", text=None)
    sent = result("https://lapsed.example/", final_url="https://www.hugedomains.com/domain_profile.cfm?d=lapsed")
    assert rule.holds_for(sent)


def test_every_condition_must_hold():
    rule = the_rule(status=[200], title="^出错啦")
    assert rule.holds_for(result(page=Page(title="出错啦! - bilibili.com", text="页面 gone")))
    assert not rule.holds_for(result(http_status=404, page=Page(title="出错啦!", text="gone")))
    assert not rule.holds_for(result(page=Page(title="Welcome", text="gone")))
    assert not rule.holds_for(result(page=Page(title="出错啦!", text="here")))


def test_patterns_ignore_case_and_typographic_apostrophes():
    rule = the_rule(text="video isn't available")
    assert rule.holds_for(result(page=Page(text="This Video Isn’t Available Anymore")))


def test_header_condition():
    rule = the_rule(text=None, header={"name": "X-Adblock-Key", "value": "^mfww"})
    assert rule.holds_for(result(headers={"x-adblock-key": "MFwwDQ"}))
    assert not rule.holds_for(result(headers={"x-adblock-key": "other"}))
    assert not rule.holds_for(result())
    present = the_rule(text=None, header={"name": "x-adblock-key"})
    assert present.holds_for(result(headers={"x-adblock-key": "anything"}))


def test_permanent_redirect_condition():
    rule = the_rule(text=None, status=[200], permanent_redirect=False)
    assert rule.holds_for(result())
    assert not rule.holds_for(result(redirects=(Hop("https://example.com/a", 301),)))
    assert rule.holds_for(result(redirects=(Hop("https://example.com/a", 302),)))


def test_first_rule_that_holds_decides():
    rules = parse_rules(rule_text(name="narrow", text="gone for good") + rule_text(name="broad"), "test.toml")
    assert first_rule(rules, result(page=Page(text="gone for good"))).name == "narrow"
    assert first_rule(rules, result(page=Page(text="gone"))).name == "broad"
    assert first_rule(rules, result(page=Page(text="here"))) is None


def test_fold():
    assert fold("Isn’t IT…") == "isn't it..."


# ----------------------------------------------------------------- loading


def test_user_rules_come_first(tmp_path: Path):
    mine = tmp_path / "my-rules.toml"
    mine.write_text(rule_text(name="medium-paywall", hosts=["medium.com"], text=None, status=[410]), encoding="utf-8")
    rules = load_rules([mine])
    assert rules[0].name == "medium-paywall" and rules[0].origin == str(mine)
    assert rules[1:] == shipped_rules()
    story = result("https://medium.com/@a/b", http_status=410)
    assert first_rule(rules, story).name == "medium-paywall"


def test_no_extra_files_means_the_shipped_rules():
    assert load_rules() == shipped_rules()


def test_missing_rules_file_is_named(tmp_path: Path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=r"nope\.toml: cannot read the rules file"):
        read_rules(missing)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[rule]\nname = 1", r"test\.toml: not valid TOML"),
        ("[[rules]]\nname = 'x'", r"test\.toml: unknown key 'rules'"),
        ("rule = 3", r"test\.toml: 'rule' must be an array of tables"),
        (rule_text(colour="red"), r"rule 1 \('example-gone'\): unknown field 'colour'"),
        (rule_text(reason=None), r"rule 1 \('example-gone'\): missing field 'reason'"),
        (rule_text(text=None), r"rule 1 \('example-gone'\): gives no evidence"),
        (rule_text(hosts=["https://example.com/"]), r"hosts: 'https://example.com/' is not a host name"),
        (rule_text(hosts=["*.example.com"]), r"hosts: '\*\.example\.com' is not a host name"),
        (rule_text(hosts=[]), r"hosts must be a string or a non-empty list"),
        (rule_text(verdict="dead"), r"verdict 'dead' is not one of ok, redirected, broken"),
        (rule_text(reason="x" * 121), r"reason has 121 characters"),
        (rule_text(reason_zh="删" * 121), r"reason_zh has 121 characters"),
        (rule_text(reason_zh=""), r"reason_zh must be a non-empty string"),
        (rule_text(text="deleted (by author"), r"rule 1 \('example-gone'\): text: bad regular expression"),
        (rule_text(status=["404"]), r"every status must be a number from 100 to 999"),
        (rule_text(status=[42]), r"every status must be a number from 100 to 999"),
        (rule_text(source="github.com/x/y/issues/1"), r"source 'github.com/x/y/issues/1' is not an http\(s\) URL"),
        (rule_text(header={"value": "x"}), r"header must be a table"),
        (rule_text(permanent_redirect="no"), r"permanent_redirect must be true or false"),
        (rule_text() + rule_text(), r"two rules are named 'example-gone'"),
        ("[[rule]]\nhosts = ['example.com']\ntext = 'x'", r"rule 1: missing field 'name'"),
    ],
)
def test_bad_rule_is_reported_with_file_and_rule(text: str, message: str):
    with pytest.raises(ConfigError, match=message):
        parse_rules(text, "test.toml")


def test_bad_rule_in_a_user_file_names_the_file(tmp_path: Path):
    mine = tmp_path / "my-rules.toml"
    mine.write_text(rule_text() + rule_text(name="second", verdict="gone"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"my-rules\.toml: rule 2 \('second'\): verdict 'gone'"):
        load_rules([mine])


def test_a_rule_needs_no_source():
    assert the_rule().source == ()


def test_wechat_article_quoting_the_deletion_notice_is_not_taken_for_it():
    quoting = result(
        "https://mp.weixin.qq.com/s/live-article",
        page=Page(
            title="为什么被删", text="打开旧链接，只看到“该内容已被发布者删除”。这篇文章讲讲内容审核是怎样工作的。"
        ),
    )
    assert first_rule(shipped_rules(), quoting) is None
