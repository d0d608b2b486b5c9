from dataclasses import fields

import pytest

from crawler.config import Config, FlagScope, load_config, scrapy_overrides, setting_of, shown_default
from crawler.errors import ConfigError
from crawler.models import Verdict


def test_defaults_without_any_file(tmp_path):
    config = load_config({}, cwd=tmp_path)
    assert (config.concurrency, config.per_host, config.timeout) == (32, 4, 20.0)
    assert config.failing_verdicts == {Verdict.BROKEN}


def test_pyproject_table_then_flags_override(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.rotwatch]\nconcurrency = 8\nper_host = 2\n")
    config = load_config({"per_host": 3, "timeout": None}, cwd=tmp_path)
    assert (config.concurrency, config.per_host, config.timeout) == (8, 3, 20.0)


def test_rotwatch_toml_is_preferred_over_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.rotwatch]\nconcurrency = 8\n")
    (tmp_path / "rotwatch.toml").write_text("concurrency = 5\nexclude = ['example\\.com']\n")
    config = load_config({}, cwd=tmp_path)
    assert config.concurrency == 5
    assert config.exclude_patterns[0].search("https://example.com/")


def test_unknown_key_is_named(tmp_path):
    (tmp_path / "rotwatch.toml").write_text("concurency = 5\n")
    with pytest.raises(ConfigError, match="concurency"):
        load_config({}, cwd=tmp_path)


def test_broken_toml_is_a_config_error(tmp_path):
    (tmp_path / "rotwatch.toml").write_text("concurrency = = 5\n")
    with pytest.raises(ConfigError, match=r"rotwatch\.toml"):
        load_config({}, cwd=tmp_path)


@pytest.mark.parametrize(
    "flags, message",
    [
        ({"fail_on": "broken,nope"}, "unknown verdict nope"),
        ({"exclude": ["("]}, "not a regular expression"),
        ({"allow_private": "10.0.0.0/99"}, "not an address range"),
        ({"concurrency": 0}, "at least 1"),
        ({"archive_endpoint": "ftp://x"}, "not an http"),
        ({"timeout": "soon"}, "expected a number"),
        ({"drift_rewrite": "some"}, "--drift-rewrite some: choose takeover, all, off"),
    ],
)
def test_bad_values_are_clear_errors(tmp_path, flags, message):
    with pytest.raises(ConfigError, match=message):
        load_config(flags, cwd=tmp_path)


def test_fail_on_widens_the_failing_verdicts(tmp_path):
    config = load_config({"fail_on": "broken,unreachable"}, cwd=tmp_path)
    assert config.failing_verdicts == {Verdict.BROKEN, Verdict.UNREACHABLE}


def test_overrides_map_flags_to_scrapy_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "t0k")
    config = load_config(
        {"concurrency": 64, "allow_private": "127.0.0.1/32", "resolve": ["a.test=127.0.0.1"]}, cwd=tmp_path
    )
    overrides = scrapy_overrides(config)
    assert overrides["CONCURRENT_REQUESTS"] == 64
    assert [str(n) for n in overrides["ROTWATCH_ALLOWED_PRIVATE"]] == ["127.0.0.1/32"]
    assert overrides["ROTWATCH_STATIC_HOSTS"] == {"a.test": "127.0.0.1"}
    assert overrides["ROTWATCH_GITHUB_TOKEN"] == "t0k"


def test_archive_endpoint_loses_its_trailing_slash(tmp_path):
    assert (
        load_config({"archive_endpoint": "http://127.0.0.1:8/"}, cwd=tmp_path).archive_endpoint == "http://127.0.0.1:8"
    )


def test_public_names_are_pinned():
    import crawler.config

    assert sorted(crawler.config.__all__) == [
        "Config",
        "FlagScope",
        "Setting",
        "flag_of",
        "load_config",
        "scrapy_overrides",
        "setting_of",
        "shown_default",
    ]


def test_every_field_carries_its_help_and_a_flag_or_the_reason_it_has_none():
    for config_field in fields(Config):
        setting = setting_of(config_field)
        assert setting.help, config_field.name
        if setting.scope is FlagScope.FILE:
            assert setting.why_no_flag, f"{config_field.name}: a setting without a flag says why"
        else:
            assert not setting.why_no_flag, config_field.name
            assert setting.metavar or isinstance(config_field.default, bool), f"{config_field.name} needs a metavar"


@pytest.mark.parametrize(
    "name, shown",
    [
        ("concurrency", "32"),
        ("timeout", "20"),
        ("per_host_delay", "0"),
        ("fail_on", "broken"),
        ("exclude", "none"),
        ("archive_endpoint", "https://web.archive.org"),
        ("user_agent", "names rotwatch"),
    ],
)
def test_defaults_are_shown_as_a_user_writes_them(name, shown):
    (config_field,) = (f for f in fields(Config) if f.name == name)
    assert shown_default(config_field) == shown


def test_every_default_can_be_shown():
    for config_field in fields(Config):
        assert shown_default(config_field), config_field.name


def test_file_values_are_read_by_the_fields_type(tmp_path):
    (tmp_path / "rotwatch.toml").write_text(
        'timeout = 5\nrobots = true\nfail_on = "broken, blocked"\nresolve = {"A.test" = "127.0.0.1"}\n'
    )
    config = load_config({}, cwd=tmp_path)
    assert (config.timeout, config.robots, config.fail_on) == (5.0, True, ("broken", "blocked"))
    assert config.resolve == (("a.test", "127.0.0.1"),)


def test_a_switch_in_the_file_must_be_true_or_false(tmp_path):
    (tmp_path / "rotwatch.toml").write_text('robots = "yes"\n')
    with pytest.raises(ConfigError, match=r'^rotwatch\.toml: robots = "yes": expected true or false$'):
        load_config({}, cwd=tmp_path)


@pytest.mark.parametrize(
    "flags, message",
    [
        ({"concurrency": -3}, "--concurrency -3: must be at least 1"),
        ({"resolve": ["foo"]}, "--resolve foo: expected HOST=ADDRESS"),
        ({"resolve": ["a.test=nowhere"]}, "--resolve a.test=nowhere: nowhere is not an IP address"),
        ({"exclude": ["ok", "("]}, "--exclude (: not a regular expression"),
        ({"archive": True, "timeout": 0}, "--timeout 0: must be more than 0 seconds"),
        ({"fail_on": "broken,maybe"}, "--fail-on broken,maybe: unknown verdict maybe"),
        ({"canary_host": "https://a.test/"}, "--canary-host https://a.test/: expected a host name alone"),
    ],
)
def test_a_bad_flag_is_named_as_the_flag(tmp_path, flags, message):
    with pytest.raises(ConfigError) as error:
        load_config(flags, cwd=tmp_path)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize(
    "file, text, message",
    [
        ("rotwatch.toml", "concurrency = -3\n", "rotwatch.toml: concurrency = -3: must be at least 1"),
        ("pyproject.toml", "[tool.rotwatch]\nper_host = 0\n", "pyproject.toml [tool.rotwatch]: per_host = 0: must be"),
        ("rotwatch.toml", 'resolve = ["foo"]\n', 'rotwatch.toml: resolve = "foo": expected HOST=ADDRESS'),
        ("rotwatch.toml", "recheck_days = 0\n", "rotwatch.toml: recheck_days = 0: must be more than 0 days"),
        ("rotwatch.toml", "concurrency = true\n", "rotwatch.toml: concurrency = true: expected a whole number"),
        ("rotwatch.toml", "exclude = 5\n", "rotwatch.toml: exclude = 5: expected a list"),
    ],
)
def test_a_bad_value_in_a_file_is_named_by_its_key_and_file(tmp_path, file, text, message):
    (tmp_path / file).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config({}, cwd=tmp_path)
    assert str(error.value).startswith(message)


def test_a_flag_that_overrides_a_good_file_value_is_named_as_the_flag(tmp_path):
    (tmp_path / "rotwatch.toml").write_text("concurrency = 8\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^--concurrency 0: must be at least 1$"):
        load_config({"concurrency": 0}, cwd=tmp_path)


def test_a_misspelt_key_suggests_the_setting(tmp_path):
    (tmp_path / "rotwatch.toml").write_text("concurency = 5\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"^rotwatch\.toml: unknown setting concurency \(did you mean concurrency\?\)$"
    ):
        load_config({}, cwd=tmp_path)


def test_a_tool_rotwatch_table_in_rotwatch_toml_is_explained(tmp_path):
    (tmp_path / "rotwatch.toml").write_text("[tool.rotwatch]\ntimeout = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"settings stand at the top, without \[tool\.rotwatch\]"):
        load_config({}, cwd=tmp_path)


def test_a_missing_config_file_names_the_flag(tmp_path):
    with pytest.raises(ConfigError, match=r"^--config .*nope\.toml: no such file$"):
        load_config({}, tmp_path / "nope.toml", cwd=tmp_path)


def test_the_canary_is_the_archive_endpoints_host_unless_set(tmp_path):
    assert load_config({}, cwd=tmp_path).canary == "web.archive.org"
    assert load_config({"archive_endpoint": "http://archive.test:8080/"}, cwd=tmp_path).canary == "archive.test"
    assert load_config({"canary_host": "dns.example"}, cwd=tmp_path).canary == "dns.example"


def test_an_archive_at_an_address_leaves_the_canary_a_name(tmp_path):
    """An address "resolves" without DNS: it could never tell an offline machine."""
    assert load_config({"archive_endpoint": "http://127.0.0.1:8080"}, cwd=tmp_path).canary == "web.archive.org"
    with pytest.raises(ConfigError, match=r"--canary-host 127\.0\.0\.1: expected a host name"):
        load_config({"canary_host": "127.0.0.1"}, cwd=tmp_path)


RULE = """
[[rule]]
name = "our-gone-page"
hosts = ["news.test"]
title = "moved away"
verdict = "broken"
reason = "our own site says the page moved away"
"""


def test_rules_in_a_file_are_relative_to_its_folder_and_tried_first(tmp_path):
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "rotwatch.toml").write_text('rules = ["my-rules.toml"]\n', encoding="utf-8")
    (tmp_path / "ci" / "my-rules.toml").write_text(RULE, encoding="utf-8")
    config = load_config({}, tmp_path / "ci" / "rotwatch.toml", cwd=tmp_path)
    assert config.rules == (str(tmp_path / "ci" / "my-rules.toml"),)
    assert config.site_rules[0].name == "our-gone-page"
    assert len(config.site_rules) > 1  # the shipped rules follow


def test_a_bad_rules_file_is_a_usage_error_with_the_loaders_message(tmp_path):
    (tmp_path / "my-rules.toml").write_text(RULE.replace('verdict = "broken"', 'verdict = "gone"'), encoding="utf-8")
    (tmp_path / "rotwatch.toml").write_text('rules = "my-rules.toml"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"my-rules\.toml: .*verdict 'gone' is not one of"):
        load_config({}, cwd=tmp_path)
    with pytest.raises(ConfigError, match=r"missing-rules\.toml: cannot read the rules file"):
        load_config({"rules": ["missing-rules.toml"]}, cwd=tmp_path)


def test_the_further_archives_are_named_in_order_and_a_bad_name_is_one_clear_message(tmp_path):
    (tmp_path / "rotwatch.toml").write_text('further_archives = ["archive.today", "arquivo.pt"]\n', encoding="utf-8")
    config = load_config({}, cwd=tmp_path)
    assert [archive.name for archive in config.memento_archives] == ["archive.today", "arquivo.pt"]
    assert load_config({"further_archives": ""}, cwd=tmp_path).memento_archives == ()  # an empty list: none
    with pytest.raises(ConfigError) as flag:
        load_config({"further_archives": "loc,timetravel"}, cwd=tmp_path)
    assert str(flag.value).startswith("--further-archives loc,timetravel: unknown archive 'timetravel'; known")
    (tmp_path / "rotwatch.toml").write_text('further_archives = ["wayback"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^rotwatch.toml: further_archives = \[.wayback.\]: unknown archive"):
        load_config({}, cwd=tmp_path)
