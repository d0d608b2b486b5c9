"""Step 3 of the nightly crawl: check results stored in batches as they arrive, and dropped.

A crawl may be killed at any moment, so results go to the state in batches
of `RESULT_BATCH`, one transaction each (crawler.nightly.store says why that
is safe). Nothing is stored until some result shows that names resolve: on
a night the machine has no DNS, every link would otherwise turn dead at
once. Once stored, a result is dropped, so memory stays flat however many
links a night checks: the reports read it back from the state
(`StateStore.last_results`). Only what the state cannot give back as it was
is kept (`ResultBatches.kept`), a few links in a hundred.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from crawler.check.classify import assess
from crawler.check.plan import as_reported_result, looks_offline, resolved_a_name
from crawler.check.reasons import translate
from crawler.check.site_rules import SiteRule
from crawler.models import Assessment, CheckResult
from crawler.nightly.store import StateStore

__all__ = ["RESULT_BATCH", "ResultBatches"]

RESULT_BATCH = 50  # results per state transaction


class ResultBatches:
    """Collects check results and stores them in batches (see the module docstring);
    `kept` holds the few the state would give back otherwise (`_unlike_stored`)."""

    def __init__(
        self,
        store: StateStore,
        run_id: int,
        on_result: Callable[[CheckResult], None] | None,
        rules: Sequence[SiteRule] | None = None,
    ):
        self.store, self.run_id, self.on_result, self.rules = store, run_id, on_result, rules
        self.pending: list[tuple[CheckResult, Assessment]] = []
        self.kept: dict[str, tuple[CheckResult, Assessment]] = {}
        self.count = 0
        self.online = False

    def add(self, result: CheckResult) -> None:
        judged = assess(result, self.rules)
        self.pending.append((result, judged))
        self.count += 1
        if _unlike_stored(result, judged):
            self.kept[result.url] = (as_reported_result(result), judged)
        self.online = self.online or resolved_a_name(result)
        if self.online and len(self.pending) >= RESULT_BATCH:
            self.flush()
        if self.on_result:
            self.on_result(result)

    def look_offline(self) -> bool:
        """No result so far got past DNS, and there are enough to say so (`looks_offline`)."""
        return not self.online and looks_offline([result for result, _ in self.pending])

    def flush(self) -> None:
        if self.pending:
            self.store.record_results(self.run_id, self.pending)
            self.pending = []


def _unlike_stored(result: CheckResult, judged: Assessment) -> bool:
    """Whether the reports would read this result differently from the state: the state keeps
    an error's kind but not its detail, and a reason's English text, translated again on reading."""
    if result.error_detail:
        return True
    return any(translate(judged.reason, lang) != text for lang, text in judged.translations.items())
