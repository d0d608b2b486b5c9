"""A newsletter archive on the simulated web, with the truth about every link.

The crawl benchmarks (bench_lychee.py, bench_nightly.py) share it. It cites
20,000 unique URLs over 400 hosts the way a real archive does:

- Hosts are cited by a Zipf law (exponent 1): the busiest host holds about
  15 % of the links, as github.com does in a technical newsletter, and the
  tail holds a handful each. Politeness is then decided on the busiest host.
- Sites die whole. A few tail hosts are gone: their names no longer resolve,
  nothing listens at their address, a parking page answers every path, or
  the server accepts connections and never answers.
- On live hosts each URL behaves by a weighted mix of the simulated web's
  scenarios: mostly pages that are fine, then moved pages, 404s, soft-404s,
  bot walls, rate limits, flaky and failing servers, large PDFs and HTML.

Everything is seeded, so two runs (and two tools) see the same corpus.
"""

from __future__ import annotations

import functools
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from crawler.models import Verdict
from crawler.simweb import SCENARIOS, HostSpec
from crawler.simweb.behaviours import SLOW_DELAY
from crawler.simweb.hosts import LOOPBACK, UNREACHABLE_ADDRESS, numbered_hosts

__all__ = [
    "FIRST_ISSUE",
    "Corpus",
    "Link",
    "build_corpus",
    "link_key",
    "politeness_bound",
    "scenario_floor",
    "scenario_of",
    "simulated_hosts",
    "write_dated_issues",
    "write_hosts_file",
    "write_issues",
]

HOST_SUFFIX = "bench"  # not a reserved name, so lychee checks it (it skips .test)
MIN_LATENCY, MAX_LATENCY = 0.05, 0.2  # s per answer
ZIPF_EXPONENT = 1.0
FALLBACK = "page"  # a unique ordinary page: 200 with a title

# Per-URL behaviour on live hosts: scenario -> weight (percent of links).
MIX = {
    FALLBACK: 66.0,
    "ok-utf8": 4.0,
    "ok-gbk": 1.0,
    "ok-big5": 0.5,
    "ok-no-title": 1.0,
    "ok-image": 3.0,
    "moved-301": 5.0,
    "moved-308": 0.5,
    "temp-302": 2.0,
    "chain-301-302": 1.5,
    "not-found": 7.0,
    "gone": 1.0,
    "soft-404-title": 0.7,
    "soft-404-zh": 0.3,
    "soft-404-heading": 0.3,
    "server-error": 0.4,
    "flaky-503": 0.5,
    "rate-limited-429": 0.3,
    "forbidden": 0.5,
    "bot-403": 0.7,
    "cloudflare-challenge": 0.3,
    "linkedin-999": 0.2,
    "unauthorized": 0.2,
    "large-pdf": 0.8,
    "huge-html": 0.2,
    "redirect-loop": 0.05,
    "too-many-redirects": 0.05,
    "reset": 0.05,
    "slow": 0.1,
}

# Whole dead sites, taken from the tail: behaviour -> how many hosts.
DEAD_SITES = {"nxdomain": 4, "refused": 3, "parked": 3, "hang": 1}
# Sites that died whole over the years of an older archive (the archive benchmark's corpus): drawn
# from every rank after the busiest LAPSED_FROM_RANK, as platforms rarely vanish and blogs and small
# companies do. About half the dead links are then on dead sites, half dead pages on live ones.
LAPSED_SITES = {"nxdomain": 30, "refused": 15, "parked": 25}
LAPSED_FROM_RANK = 20
UNANSWERED = ("nxdomain", "refused")  # no server sees these: any path will do

# The fewest requests that establish the truth: one GET per redirect hop,
# two where the first answer is a transient refusal the scenario expects a
# retry of, none where no HTTP exchange is possible.
MIN_REQUESTS = {
    "moved-301": 2,
    "moved-308": 2,
    "temp-302": 2,
    "chain-301-302": 3,
    "redirect-loop": 2,
    "too-many-redirects": 11,
    "flaky-503": 2,
    "rate-limited-429": 2,
    "nxdomain": 0,
    "refused": 0,
}
# Seconds a whole site waits when the scenario answers (its Retry-After), and
# seconds a scenario's answer takes beyond the host's latency.
SITE_PAUSES = {"rate-limited-429": 1.0}
SLOW_EXTRA = {"slow": SLOW_DELAY}
# Failures a careful client retries (the server may recover): extra requests expected.
RETRIED = frozenset({"server-error", "reset", "hang"})


@dataclass(frozen=True, slots=True)
class Link:
    """One unique URL of the corpus and what the simulated web will do with it."""

    url: str
    host: str
    scenario: str

    @property
    def truth(self) -> Verdict:
        return Verdict.OK if self.scenario == FALLBACK else SCENARIOS[self.scenario].verdict

    @property
    def min_requests(self) -> int:
        return MIN_REQUESTS.get(self.scenario, 1)


@dataclass(frozen=True)
class Corpus:
    """The links, the hosts that serve them, and which hosts resolve where."""

    links: list[Link]
    hosts: list[HostSpec]
    addresses: dict[str, str]  # host name -> address; names left out do not resolve

    def latency(self, host: str) -> float:
        return next(spec.latency for spec in self.hosts if spec.name == host)

    @functools.cached_property
    def hanging(self) -> frozenset[str]:
        """The hosts that accept connections and never answer."""
        return frozenset(link.host for link in self.links if link.scenario == "hang")


def _zipf_counts(hosts: int, total: int, rng: random.Random, exponent: float) -> list[int]:
    """Links per host by a Zipf law, summing exactly to `total`, every host at least one."""
    weights = [1 / (rank**exponent) for rank in range(1, hosts + 1)]
    scale = (total - hosts) / sum(weights)
    counts = [1 + math.floor(w * scale) for w in weights]
    for index in rng.sample(range(hosts), total - sum(counts)):
        counts[index] += 1
    return counts


def _path(scenario: str, token: str, rng: random.Random) -> str:
    if scenario == FALLBACK:
        return f"/{rng.randint(2015, 2025)}/{rng.randint(1, 12):02d}/{token}"
    return f"/gen/{scenario}/{token}"


def simulated_hosts(count: int = 400) -> list[HostSpec]:
    """`site001.bench`... with 50-200 ms of latency, the same on every call."""
    return numbered_hosts(count, MIN_LATENCY, MAX_LATENCY, suffix=HOST_SUFFIX)


def build_corpus(
    specs: list[HostSpec],
    port: int,
    urls: int = 20_000,
    seed: int = 2024,
    *,
    lapsed: bool = False,
    zipf: float = ZIPF_EXPONENT,
) -> Corpus:
    """`urls` unique links over the simulated hosts `specs`, served on `port`, cited by a Zipf law of exponent `zipf`.

    The dead sites are DEAD_SITES' tail hosts, or with `lapsed` LAPSED_SITES'
    hosts drawn (seeded) from every rank after the busiest LAPSED_FROM_RANK.
    """
    rng = random.Random(seed)
    hosts = len(specs)
    ranked = rng.sample(specs, len(specs))  # which host is the busiest is seeded, not site001
    if lapsed:
        picked = random.Random(seed + 1).sample(ranked[LAPSED_FROM_RANK:], sum(LAPSED_SITES.values()))
        dead = list(zip((spec.name for spec in picked), _expand(LAPSED_SITES), strict=True))
    else:
        dead = [(spec.name, kind) for spec, kind in zip(reversed(ranked), _expand(DEAD_SITES), strict=False)]
    site_kind = dict(dead)
    scenarios, weights = list(MIX), list(MIX.values())
    links = []
    for spec, count in zip(ranked, _zipf_counts(hosts, urls, rng, zipf), strict=False):
        kind = site_kind.get(spec.name)
        for n in range(count):
            scenario = kind or rng.choices(scenarios, weights)[0]
            token = f"{spec.name.split('.')[0]}-{n}-{rng.getrandbits(32):08x}"
            path = _path(FALLBACK if kind in UNANSWERED else scenario, token, rng)
            links.append(Link(f"http://{spec.name}:{port}{path}", spec.name, scenario))
    rng.shuffle(links)
    addresses = {spec.name: LOOPBACK for spec in specs if site_kind.get(spec.name) != "nxdomain"}
    addresses.update({name: UNREACHABLE_ADDRESS for name, kind in dead if kind == "refused"})
    return Corpus(links, specs, addresses)


def _expand(counts: dict[str, int]) -> list[str]:
    return [kind for kind, count in counts.items() for _ in range(count)]


def scenario_of(target: str) -> str:
    """The scenario a request target belongs to (`/gen/<scenario>/...`), or the plain page."""
    parts = target.split("/")
    return parts[2] if len(parts) > 3 and parts[1] == "gen" else FALLBACK


def link_key(target: str) -> str:
    """The link a request target belongs to: redirect hops share `/gen/<scenario>/<token>`."""
    parts = target.split("?")[0].split("/")
    return "/".join(parts[:4]) if parts[1:2] == ["gen"] else target


def politeness_bound(
    corpus: Corpus, per_host: int, *, by_requests: bool = False, timeout: float = 0.0
) -> tuple[float, str]:
    """The slowest host's ceil(links / per_host) x latency, and that host.

    No client that keeps to `per_host` requests at a time per host can finish
    sooner. With `by_requests`, redirect hops count as the requests they are.
    A site that never answers costs one `timeout` per round of its links.
    """
    load: Counter[str] = Counter()
    for link in corpus.links:
        load[link.host] += link.min_requests if by_requests else 1
    return max((math.ceil(n / per_host) * _seconds_per_answer(corpus, host, timeout), host) for host, n in load.items())


def _seconds_per_answer(corpus: Corpus, host: str, timeout: float) -> float:
    """What one request to `host` costs at the least: its latency, or a whole timeout where it hangs."""
    return max(timeout, corpus.latency(host)) if host in corpus.hanging else corpus.latency(host)


def scenario_floor(corpus: Corpus, per_host: int, timeout: float = 0.0) -> tuple[float, str]:
    """A tighter lower bound: the slowest host's redirect hops, slow answers and asked-for pauses.

    Per host: ceil(minimum requests / per_host) x latency, plus the extra
    seconds of its slow answers spread over its connections, plus every
    Retry-After pause it asks for (the whole site waits); a site that never
    answers costs one `timeout` per round of its links.
    """
    load: Counter[str] = Counter()
    stalls: Counter[str] = Counter()
    for link in corpus.links:
        load[link.host] += link.min_requests
        stalls[link.host] += SITE_PAUSES.get(link.scenario, 0.0) + SLOW_EXTRA.get(link.scenario, 0.0) / per_host
    return max(
        (math.ceil(n / per_host) * _seconds_per_answer(corpus, host, timeout) + stalls[host], host)
        for host, n in load.items()
    )


# Issues in the style of the real input: Chinese prose, `[链接](URL)` bullets.
SECTIONS = ["工具篇", "商业篇", "科研篇", "重点关注", "趣味篇"]
ITEMS = ["一个开源项目", "本周值得一读的文章", "新发布的论文", "一个有趣的网站", "行业新闻", "一份教程"]
FIRST_ISSUE = date(2017, 1, 4)


def write_issues(
    folder: Path, links: list[Link], per_issue: int = 50, seed: int = 7, first: date = FIRST_ISSUE
) -> list[Path]:
    """Weekly issues from `first` citing `links` in order; about 3 % of bullets cite an earlier link again."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, start in enumerate(range(0, len(links), per_issue)):
        day = first + timedelta(weeks=number)
        cited = [link.url for link in links[start : start + per_issue]]
        if start:
            cited += [links[rng.randrange(start)].url for _ in range(len(cited) * 3 // 100)]
        written.append(_write_issue(folder, day, number + 1, cited, rng))
    return written


def write_dated_issues(folder: Path, cited: Mapping[date, Sequence[str]], seed: int = 7) -> list[Path]:
    """One issue per date, citing its URLs in order, in the style of `write_issues`."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    return [_write_issue(folder, day, number, cited[day], rng) for number, day in enumerate(sorted(cited), 1)]


def _write_issue(folder: Path, day: date, number: int, urls: Sequence[str], rng: random.Random) -> Path:
    path = folder / f"{day.isoformat()}-weekly.md"
    path.write_text(_issue_text(number, urls, rng), encoding="utf-8")
    return path


def _issue_text(number: int, urls: Sequence[str], rng: random.Random) -> str:
    lines = [f"# 科技周刊（第 {number} 期）", "", "这里记录每周值得分享的科技内容，周三发布。", ""]
    for index, url in enumerate(urls):
        if index % 10 == 0:
            lines += ["", f"## {SECTIONS[index // 10 % len(SECTIONS)]}", ""]
        lines.append(f"{index % 10 + 1}、{rng.choice(ITEMS)}（[链接]({url})）")
        lines.append("")
    return "\n".join(lines) + "\n"


def write_hosts_file(path: Path, corpus: Corpus, base: str = "") -> Path:
    """An /etc/hosts giving every resolvable simulated host its address, after `base`."""
    entries = [f"{address} {name}" for name, address in sorted(corpus.addresses.items())]
    path.write_text(base.rstrip("\n") + "\n" + "\n".join(entries) + "\n", encoding="utf-8")
    return path
