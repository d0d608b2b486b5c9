"""The nightly crawl and its memory: what is due, when a link is dead, what changed since the last run."""
