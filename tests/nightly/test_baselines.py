"""Pages then and now in the state database: fingerprints, first-check baselines, drifted_since and the diff."""

from __future__ import annotations

from datetime import UTC, date, datetime

from crawler.check.drift import Fingerprint
from crawler.models import Page, Verdict
from crawler.nightly.baseline_step import WantedBaselines
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


def test_a_night_asks_the_oldest_links_needing_a_capture_and_counts_the_rest(tmp_path) -> None:
    moment = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    urls = [f"https://site{n}.example/post" for n in range(7)]
    with StateStore.open(tmp_path / "state.sqlite", clock=lambda: moment) as store:
        run = store.begin_run({})
        page = Page(title="Launch notes", text="Our editor ships its first stable release today")
        store.record_results(run.id, [outcome(url, Verdict.OK, http_status=200, page=page) for url in urls])
        wanted = WantedBaselines(store, limit=2)
        wanted.add({urls[0]: date(2021, 5, 1), urls[1]: date(2019, 1, 1), urls[2]: None})  # undated: never asked
        wanted.add({urls[3]: date(2018, 6, 1), urls[4]: date(2023, 1, 1)})
        wanted.add({urls[5]: date(2020, 1, 1), "https://never.example/checked": date(2017, 1, 1)})  # no page: no

        assert wanted.oldest() == [(urls[3], date(2018, 6, 1)), (urls[1], date(2019, 1, 1))]
        assert wanted.total == 5


def test_changed_pages_are_those_unlike_their_baseline(store: StateStore, clock: Clock):
    check(store, Verdict.OK)
    assert store.baselines.changed([URL, "https://never.example/"]) == {}  # the first check is its own baseline
    clock.now += DAY
    check(store, Verdict.OK, Page("Slot online | Casino"))
    now = store.baselines.fingerprints([URL])[URL]
    assert store.baselines.changed([URL]) == {URL: (now, store.baselines.known([URL])[URL])}
    store.baselines.record([Baseline(URL, BaselineSource.CAPTURE, None, None, T0)])  # no usable capture
    assert store.baselines.changed([URL]) == {}


def test_the_links_to_judge_are_the_changed_pages_and_those_noted_drifted(store: StateStore, clock: Clock):
    check(store, Verdict.OK)
    assert store.baselines.to_judge() == set()  # its own baseline: nothing can have drifted
    clock.now += DAY
    check(store, Verdict.OK, Page("Slot online | Casino"))
    assert store.baselines.to_judge() == {URL} == set(store.baselines.changed([URL]))
    store.baselines.judged({URL: True})
    clock.now += DAY
    check(store, Verdict.OK)  # the page is back as it was
    assert store.baselines.changed([URL]) == {}
    assert store.baselines.to_judge() == {URL}  # noted drifted: tonight clears it
    store.baselines.judged({URL: False})
    assert store.baselines.to_judge() == set()
