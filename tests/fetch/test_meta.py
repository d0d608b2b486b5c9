"""Request meta keys: each named once, ours prefixed so they never meet Scrapy's."""

from __future__ import annotations

import crawler.fetch.meta as meta

SCRAPY_KEYS = {"DOWNLOAD_SLOT", "REDIRECT_URLS", "REDIRECT_REASONS", "RETRY_TIMES", "MAX_RETRY_TIMES", "DONT_RETRY"}


def test_public_names():
    assert meta.__all__ == sorted(meta.__all__)
    assert set(meta.__all__) >= SCRAPY_KEYS | {"CHECKED_URL", "RETRY_DUE", "WHOLE_BODY", "OWN_SLOT"}


def test_every_key_is_distinct_and_ours_carry_the_prefix():
    values = {name: getattr(meta, name) for name in meta.__all__}
    assert len(set(values.values())) == len(values)
    scrapy_keys = SCRAPY_KEYS | {"DONT_REDIRECT", "DOWNLOAD_TIMEOUT", "DOWNLOAD_LATENCY", "COOKIE_JAR"}
    assert all(value.startswith("rotwatch_") for name, value in values.items() if name not in scrapy_keys)
    assert not any(values[name].startswith("rotwatch_") for name in scrapy_keys)
