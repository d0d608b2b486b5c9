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
        ({"timeout": "soon"}, "bad value"),
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
    with pytest.raises(ConfigError, match=r"robots: bad value 'yes' \(expected true or false\)"):
        load_config({}, cwd=tmp_path)
