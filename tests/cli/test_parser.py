"""The parser built from Config: a flag per setting, each with its default in its help, agreeing with the file."""

from __future__ import annotations

import argparse
from dataclasses import fields

import pytest

import crawler.cli.parser
from crawler.cli.main import COMMANDS, arguments_of, config_flags
from crawler.cli.parser import build_parser, setting_flag
from crawler.config import Config, FlagScope, load_config, setting_of, shown_default

ARGUMENTS = {"history": ["https://a.test/"], "save": ["https://a.test/"], "demo": []}
SETTINGS_WITH_FLAGS = [f for f in fields(Config) if setting_of(f).scope is not FlagScope.FILE]

# One value per setting that has a flag, as the file writes it and as the flag gives it (not the default).
SAMPLES: dict[str, tuple[str, list[str]]] = {
    "concurrency": ("7", ["--concurrency", "7"]),
    "per_host": ("3", ["--per-host", "3"]),
    "per_host_delay": ("0.5", ["--per-host-delay", "0.5"]),
    "timeout": ("5", ["--timeout", "5"]),
    "retries": ("0", ["--retries", "0"]),
    "user_agent": ('"bot/1.0"', ["--user-agent", "bot/1.0"]),
    "robots": ("true", ["--robots"]),
    "allow_private": ('"10.0.0.0/8,127.0.0.0/8"', ["--allow-private", "10.0.0.0/8,127.0.0.0/8"]),
    "exclude": ("['^https://a\\.', 'b']", ["--exclude", "^https://a\\.", "--exclude", "b"]),
    "archive_endpoint": ('"http://127.0.0.1:9"', ["--archive-endpoint", "http://127.0.0.1:9"]),
    "archive": ("false", ["--no-archive"]),
    "archive_rate": ("60", ["--archive-rate", "60"]),
    "archive_playback_rate": ("300", ["--archive-playback-rate", "300"]),
    "archive_budget": ("45", ["--archive-budget", "45"]),
    "drift_rewrite": ('"all"', ["--drift-rewrite", "all"]),
    "fail_on": ('["broken", "blocked"]', ["--fail-on", "broken,blocked"]),
    "timeout_retries": ("0", ["--timeout-retries", "0"]),
    "shorten_timeout_after": ("5", ["--shorten-timeout-after", "5"]),
    "timeout_floor": ("2.5", ["--timeout-floor", "2.5"]),
    "resolve": (
        '{"a.test" = "127.0.0.1", "b.test" = "127.0.0.2"}',
        ["--resolve", "a.test=127.0.0.1", "--resolve", "b.test=127.0.0.2"],
    ),
    "canary_host": ('"canary.test"', ["--canary-host", "canary.test"]),
    # A file's rules path is relative to the file's folder, a flag's to the current one (tmp_path/empty).
    "rules": ('"rules.toml"', ["--rules", "../rules.toml"]),
    "further_archives": ('["archive.today", "loc"]', ["--further-archives", "archive.today,loc"]),
}


def subparsers() -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {option: action for action in parser._actions for option in action.option_strings}


def test_public_names_are_pinned():
    assert sorted(crawler.cli.parser.__all__) == [
        "CHECK_FORMATS",
        "DEFAULT_ISSUES",
        "LANGUAGES",
        "LINK_FORMATS",
        "build_parser",
        "setting_flag",
    ]


def test_every_setting_has_a_flag_or_a_documented_reason_not_to():
    check, crawl = options(subparsers()["check"]), options(subparsers()["crawl"])
    for config_field in fields(Config):
        setting = setting_of(config_field)
        flag = setting_flag(config_field)
        if setting.scope is FlagScope.FILE:
            assert setting.why_no_flag and flag not in check and flag not in crawl
        else:
            assert check[flag].dest == config_field.name
            assert (flag in crawl) is (setting.scope is FlagScope.CHECKING), config_field.name


def test_every_flag_names_its_default_in_its_help():
    for name, parser in subparsers().items():
        for option, action in options(parser).items():
            if action.dest in ("help", "verbose") or action.default is False:  # a switch that is off
                continue
            config_field = next((f for f in fields(Config) if f.name == action.dest), None)
            if config_field is not None:
                assert f"default {shown_default(config_field)})" in action.help, (name, option)
            else:
                assert action.default is None or "(default" in action.help, (name, option)


def test_the_flags_not_given_leave_the_file_alone():
    namespace = build_parser().parse_args(["check", "issues"])
    flags = config_flags(namespace)
    assert set(flags) == {f.name for f in SETTINGS_WITH_FLAGS}
    assert set(flags.values()) == {None}


def test_the_samples_cover_every_setting_with_a_flag():
    assert set(SAMPLES) == {f.name for f in SETTINGS_WITH_FLAGS}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_tool_rotwatch_key_and_its_flag_agree(name, tmp_path, monkeypatch):
    toml_value, argv = SAMPLES[name]
    (tmp_path / "pyproject.toml").write_text(f"[tool.rotwatch]\n{name} = {toml_value}\n", encoding="utf-8")
    (tmp_path / "rules.toml").write_text("", encoding="utf-8")  # no rules: the file only has to exist
    from_file = load_config({}, cwd=tmp_path)
    (tmp_path / "empty").mkdir()  # no configuration file here
    monkeypatch.chdir(tmp_path / "empty")
    from_flag = arguments_of(COMMANDS["check"].arguments, build_parser().parse_args(["check", "issues", *argv])).config
    assert from_flag == from_file
    assert getattr(from_flag, name) != getattr(Config(), name)


def test_special_shapes_stay_as_they_were():
    parse = build_parser().parse_args
    assert parse(["check", "x", "--no-archive"]).archive is False
    assert parse(["check", "x"]).archive is None
    assert parse(["check", "x", "--allow-private"]).allow_private == ""
    assert parse(["check", "x", "--allow-private", "10.0.0.0/8"]).allow_private == "10.0.0.0/8"
    assert parse(["crawl", "--resolve", "a=1", "--resolve", "b=2"]).resolve == ["a=1", "b=2"]
    assert parse(["crawl", "--exclude", "a", "--exclude", "b"]).exclude == ["a", "b"]
    assert parse(["check", "x", "--fail-on", "broken,blocked"]).fail_on == "broken,blocked"


def test_a_bad_number_is_refused_by_argparse(capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["check", "x", "--timeout", "soon"])
    assert exit_.value.code == 2
    assert "--timeout: invalid float value: 'soon'" in capsys.readouterr().err


def test_a_flag_shared_by_commands_is_the_same_flag_in_each():
    seen: dict[str, tuple[str | None, str | None, object]] = {}
    for parser in subparsers().values():
        for option, action in options(parser).items():
            if option in ("-h", "--help", "--format"):  # --format: each command has its own formats
                continue
            described = (action.help, action.metavar, action.default)
            assert seen.setdefault(option, described) == described, option


@pytest.mark.parametrize(
    "argv", [["-v", "links", "x"], ["links", "-v", "x"], ["links", "x", "--verbose"], ["--verbose", "demo"]]
)
def test_verbose_before_or_after_the_command(argv):
    assert build_parser().parse_args(argv).verbose is True


def test_not_verbose_by_default():
    assert build_parser().parse_args(["links", "x"]).verbose is False


def test_verbose_is_in_every_help():
    assert "--verbose" in build_parser().format_help()
    for parser in subparsers().values():
        assert "-v, --verbose" in parser.format_help()


def test_nightly_commands_default_to_the_issues_folder():
    assert build_parser().parse_args(["crawl"]).paths == ["issues"]
    assert build_parser().parse_args(["report", "a.md"]).paths == ["a.md"]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_record_takes_exactly_its_parsers_arguments(command):
    namespace = build_parser().parse_args([command, *ARGUMENTS.get(command, ["issues"])])
    record = {f.name for f in fields(COMMANDS[command].arguments)}
    given = set(vars(namespace)) - {"command", "verbose"}
    if "config" in record:  # built from --config and the settings flags
        given -= {"config_file", *config_flags(namespace)}
    assert given == record - {"config"}


def test_a_command_with_settings_gets_its_config_from_file_and_flags(tmp_path, monkeypatch):
    (tmp_path / "rotwatch.toml").write_text("concurrency = 5\nper_host = 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    namespace = build_parser().parse_args(["crawl", "--per-host", "2"])
    record = arguments_of(COMMANDS["crawl"].arguments, namespace)
    assert (record.config.concurrency, record.config.per_host) == (5, 2)
