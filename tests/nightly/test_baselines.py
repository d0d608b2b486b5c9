"""Pages then and now in the state database: fingerprints, first-check baselines, drifted_since and the diff."""

from __future__ import annotations

from datetime import date

from crawler.check.drift import Fingerprint
from crawler.models import Page, Verdict
from crawler.nightly.drift_rules import Baseline, BaselineSource
from crawler.nightly.store import StateStore
from tests.nightly.state_helpers import DAY, T0, Clock, outcome

URL = "https://editor.example/blog/launch"
PAGE = Page("Launch notes | Example Editor")


def check(store: StateStore, verdict: Verdict, page: Page | None = PAGE, *, finish: bool = True) -> int:
    run = store.begin_run({})
    store.record_sightings(run.id, [URL])
    store.record_results(run.id, [outcome(URL, verdict, http_status=200, page=page)])
    if finish:
        store.finish_run(run.id, {})
    return run.id


def test_the_first_page_read_becomes_the_first_check_baseline_and_later_pages_only_the_fingerprint(
    store: StateStore, clock: Clock
):
    check(store, Verdict.BROKEN, Page("Page Not Found"))  # not live: nothing kept
    assert store.baselines.fingerprints([URL]) == {} and store.baselines.known([URL]) == {}
    clock.now += DAY
    check(store, Verdict.OK)
    kept = Fingerprint("Launch notes | Example Editor", "Example Editor")
    assert store.baselines.fingerprints([URL]) == {URL: kept}
    assert store.baselines.known([URL]) == {
        URL: Baseline(URL, BaselineSource.FIRST_CHECK, kept, (T0 + DAY).date(), T0 + DAY)
    }
    clock.now += DAY
    check(store, Verdict.OK, Page("Launch notes"))
    assert store.baselines.fingerprints([URL])[URL].title == "Launch notes"
    assert store.baselines.known([URL])[URL].fingerprint == kept  # the first check stays the baseline
    clock.now += DAY
    check(store, Verdict.UNREACHABLE, None)
    assert store.baselines.fingerprints([URL])[URL].title == "Launch notes"  # the page as last read


def test_a_capture_baseline_replaces_a_first_check_that_proves_nothing(store: StateStore):
    check(store, Verdict.OK)
    then = Baseline(URL, BaselineSource.CAPTURE, Fingerprint("Launch"), date(2023, 4, 20), T0, "https://a/web/1/x")
    store.baselines.record([then])
    assert store.baselines.known([URL]) == {URL: then}
    check(store, Verdict.OK)
    assert store.baselines.known([URL]) == {URL: then}


def test_newly_drifted_is_news_once_even_when_a_stopped_run_saw_it_first(store: StateStore, clock: Clock):
    check(store, Verdict.OK)
    clock.now += DAY
    stopped = check(store, Verdict.OK, finish=False)
    store.baselines.judged({URL: True})  # the stopped run saw the drift
    assert store.diff(stopped).newly_drifted == (URL,)
    clock.now += DAY
    run = check(store, Verdict.OK)
    store.baselines.judged({URL: True})
    assert store.diff(run).newly_drifted == (URL,)  # news for the next finished run
    clock.now += DAY
    later = check(store, Verdict.OK)
    store.baselines.judged({URL: True})
    assert store.diff(later).newly_drifted == ()
    assert store.diff(run).newly_drifted == (URL,)  # an older run's diff is still its own
    clock.now += DAY
    store.baselines.judged({URL: False})
    clock.now += DAY
    again = check(store, Verdict.OK)
    store.baselines.judged({URL: True})
    assert store.diff(again).newly_drifted == (URL,)  # a drift that ends and comes back is news again
