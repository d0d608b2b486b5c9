"""Content drift: a link that still answers 200 may no longer be the page it cited.

Studies of citations find this in a large share of links that still resolve:
"Scholarly Context Adrift" (Jones, Van de Sompel et al., PLOS ONE 2016)
found three out of four URI references in STM articles led to changed
content; Zittrain, Albert and Lessig ("Perma", Harvard Law Review Forum
2014) found that half of the URLs in U.S. Supreme Court opinions no longer
led to the information cited. Editors care
about the clear cases: the domain was sold or dropped and now shows a
casino, a slot-gambling page, an adult site or a parking lander; or the
page is now another page altogether. A redesign or a title tweak is not
drift, so every rule here asks for strong evidence.

`fingerprint` turns a `Page` into a small value that the state can store
(`Fingerprint.to_json`): the title, the site name written in it, a 64-bit
SimHash of the text excerpt (Charikar 2002; Manku et al., WWW 2007, for
near-duplicate web pages), the takeover words found in the text and
whether the page is a parking lander. `judge_drift(then, now)` compares
two fingerprints and applies these rules in order:

1. parked: the page is now a parking or for-sale lander and was not:
   `crawler.check.classify.is_parked` decides (for-sale landers, parking
   services' wording, registrar expiry notices).
2. takeover: gambling, adult or loan-spam words that the page did not
   show before. In the title one is enough; in the text one strong word
   ("slot gacor", "togel", "博彩", "娱乐城" …) or two of any kind.
   The words come from real takeovers: expired and hijacked subdomains
   titled "JALAWIN: … Toto Slot Gacor", "BESOK4D Slot Online Anti Rungkad",
   "Rosohoki # Situs Slot Gacor" (is-a-dev/register#36462, #36831),
   "judi bola online" links injected into voxeljs.com (voxel/voxeljs-site#16),
   "Best Online Casinos in United Kingdom" on opalrb.org (opal/opal-rails#99),
   Wikipedia's tracking of 50,000 domains usurped by "Judi" gambling sites
   (WP:JUDI), a pay-day-loan takeover (jeresig/nodelist#2), OnlyFans spam on
   lbzip2.org (kjn/lbzip2#34); Chinese gambling ads use 博彩, 娱乐城,
   真人视讯, 体育投注, 彩金, 新葡京 (spam in 11ty/docs#1959, #2013) and
   reports call such pages 赌博网站 (xiaomlove/nexusphp#113). Words that
   are also ordinary ("casino", "poker", "赌博", "赌场", "色情", "彩票",
   "棋牌") are weak: alone they count in a title only. Words are compared
   by name, so "casino" then and "casinos" now is no new word, and a page
   that always showed them (a casino review cited on purpose) never drifts.
3. replaced: the page is now another page. With text on both sides: the
   SimHash distance is far and the titles are far apart (their site parts
   set aside). With titles only, be conservative: both titles name a
   site, neither end of one matches either end of the other, and the
   titles share almost nothing.

Titles are compared CJK-aware: NFKC, case-folded, numbers and dates
dropped, Latin words as tokens and CJK runs as character bigrams (no
dictionary needed; Chinese has no spaces). Similarity is the overlap
coefficient |A∩B| / min(|A|, |B|), so an added subtitle ("Element" ->
"Element - The world's most popular Vue UI framework") keeps a title
whole. A site name is an end of a title split at " | ", " - ", " – ",
" — ", "_", " · ", " • ", " » " or "｜": "代码高亮 | Hexo", "Hexo - Docs",
"Babel · The compiler for next generation JavaScript". Which end is the
site is not guessed when judging: the site is kept when an end of one
title matches an end of the other ("快速入门 – React" -> "快速入门 – React
中文文档" keeps "React" inside "React 中文文档").

Thresholds come from measured distances, not from fitting one pair:
unrelated texts sit near 32 bits of SimHash distance (half of 64; 27-32
between the labelled pages), the same page years apart or rebuilt with
another generator at 0-7 (Manku et al. use 3 for near-duplicates of whole
pages; 2,000-character excerpts move more). Title-only comparison follows
Reyes Ayala et al. (CEUR Vol-3246, 2022), who detected drift from titles
alone with 89% precision, and Klein and Nelson (2009), who found that
titles of live pages change little. Being conservative has a price that
the labelled pairs in tests/data/drift_pairs.toml measure (each records
where it comes from): a takeover whose page is titled only "Redirect", or
a one-word title replaced by another when one side has no text, is not
called drift.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from crawler.check.classify import is_parked
from crawler.check.reasons import Reason
from crawler.models import Drift, DriftKind, Page

__all__ = ["Fingerprint", "fingerprint", "judge_drift", "simhash", "title_similarity"]

log = logging.getLogger(__name__)

SIMHASH_BITS = 64
MIN_TEXT_TOKENS = 12  # fewer tokens than this give no SimHash: too little text to compare
TEXT_FAR = 20  # bits of SimHash distance from which two texts are other texts
TITLE_FAR = 0.34  # title similarity below which two titles are far apart
TITLE_UNRELATED = 0.1  # ... and below which they share almost nothing
SITE_MATCH = 0.5  # similarity from which two site names are the same site
_QUOTED_CHARS = 80

# ------------------------------------------------------------------ markers

# (word, pattern, strong). Strong words are almost never seen on the pages
# people cite; weak ones also have ordinary uses. A word is compared by its
# name, so "casino" then and "casinos" now is no new word. Patterns match
# case-folded NFKC text and include the traditional Chinese forms.
_TAKEOVER_WORDS: tuple[tuple[str, str, bool], ...] = (
    ("slot gacor", r"slot\s*gacor|gacor", True),
    ("togel", r"togel", True),
    ("judi online", r"judi\s+(?:bola|online|slot)", True),
    ("maxwin", r"maxwin", True),
    ("rungkad", r"rungkad", True),
    ("situs slot", r"situs\s+slot|toto\s+slot|slot\s+online|slot\s*(?:88|4d)", True),
    ("online casino", r"online\s+casinos?|casino\s+online|live\s+casino", True),
    ("sports betting", r"sports?\s*betting|betting\s+(?:sites?|tips|odds)|sportsbook", True),
    ("payday loans", r"pay\s*day\s+loans?", True),
    ("porn", r"porn\w*|onlyfans|sex\s*(?:cams?|videos?|chat)", True),
    ("博彩", r"博彩", True),
    ("娱乐城", r"[娱娛][乐樂]城", True),
    ("真人视讯", r"真人[视視][讯訊]|真人[娱娛][乐樂]", True),
    ("体育投注", r"[体體]育投注", True),
    ("彩金", r"彩金", True),
    ("新葡京", r"新葡京|澳[门門](?:威尼斯人|金沙|[赌賭]|[娱娛][乐樂])", True),
    ("成人影片", r"成人(?:影片|[视視]频|[电電]影|[网網]站|直播)", True),
    ("casino", r"casinos?", False),
    ("judi", r"judi", False),
    ("poker", r"poker", False),
    ("赌博", r"[赌賭]博", False),
    ("赌场", r"[赌賭][场場]", False),
    ("色情", r"色情", False),
    ("彩票", r"彩票", False),
    ("棋牌", r"棋牌", False),
)
# Latin words must stand alone ("casinos", not "occasionally"); CJK has no spaces.
_MARKERS = [(word, re.compile(rf"(?<![a-z]){p}(?![a-z])"), strong) for word, p, strong in _TAKEOVER_WORDS]
_STRONG = frozenset(word for word, _, strong in _TAKEOVER_WORDS if strong)


# The words' patterns without the word-boundary checks, in one pass: it matches wherever one of
# them could, and most pages show none; 25 searches of every excerpt would cost a nightly crawl
# more than the rest of a fingerprint.
_MAYBE_MARKER = re.compile("|".join(f"(?:{p})" for _, p, _ in _TAKEOVER_WORDS))


def _takeover_words(text: str) -> set[str]:
    """The takeover words (by name) that `text` shows."""
    folded = _fold(text)
    if _MAYBE_MARKER.search(folded) is None:
        return set()
    return {word for word, rx, _ in _MARKERS if rx.search(folded)}


# ---------------------------------------------------------------- tokens

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W\d_]+", re.UNICODE)
_IS_CJK = re.compile(rf"[{_CJK}]")
_STOP_WORDS = frozenset({"a", "an", "and", "at", "by", "for", "from", "in", "is", "of", "on", "or", "the", "to"})
# "_" only next to CJK or between spaces ("页面_新浪网"), so "async_hooks" stays whole.
_SEPARATORS = re.compile(rf"\s+[-–·•»_]\s+|\s*[｜—]\s*|\s+\|\s*|\s*\|\s+|(?<=[{_CJK}])\s*_\s*|\s*_\s*(?=[{_CJK}])")


def _fold(text: str) -> str:
    """NFKC and case-folded: full-width forms and letter case do not count."""
    return unicodedata.normalize("NFKC", text).casefold()


def _tokens(text: str) -> list[str]:
    """Latin words and CJK character bigrams; numbers, dates and punctuation dropped."""
    out: list[str] = []
    for run in _TOKEN.findall(_fold(text)):
        if _IS_CJK.match(run):
            out.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        elif len(run) > 1 and run not in _STOP_WORDS:
            out.append(run)
    return out


def title_similarity(a: str, b: str) -> float:
    """How much of the shorter title the other keeps: 1.0 same words, 0.0 none.

    The overlap coefficient of the token sets; 0.0 when either has no token.
    """
    ta, tb = set(_tokens(a)), set(_tokens(b))
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / min(len(ta), len(tb))


def _parts(title: str) -> list[str]:
    """The title split at its separators, empty parts dropped."""
    return [p for p in (s.strip() for s in _SEPARATORS.split(title)) if _tokens(p)]


def _site_name(title: str) -> str:
    """The end of the title that names the site, "" when it has no separator.

    The shorter end by words, the suffix on a tie ("Page | Site" is the
    commoner order). Only stored and reported: judging looks at both ends.
    """
    parts = _parts(title)
    if len(parts) < 2:
        return ""
    first, last = parts[0], parts[-1]
    return first if len(_tokens(first)) < len(_tokens(last)) else last


# --------------------------------------------------------------- simhash


def simhash(text: str) -> int | None:
    """A 64-bit SimHash of the text's tokens, None when it has too few to compare.

    Bit i is set when the tokens whose hash has bit i outweigh those whose hash
    has not (each token weighted by its count). The 64 per-bit sums are kept
    in one integer, a lane of `_LANE` bits per hash bit, so a token costs a few
    table look-ups and one addition instead of a loop over 64 bits: a nightly
    crawl fingerprints every page it reads.
    """
    counts = Counter(_tokens(text))
    total = sum(counts.values())
    if total < MIN_TEXT_TOKENS:
        return None
    lanes = 0
    for token, count in counts.items():
        lanes += count * _spread(int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big"))
    mask = (1 << _LANE) - 1
    return sum(1 << i for i in range(SIMHASH_BITS) if 2 * (lanes >> (i * _LANE) & mask) > total)


_LANE = 32  # bits per hash bit's sum: room for any count of tokens an excerpt holds
# Each byte value with its 8 bits spread into 8 lanes, lowest bit in the lowest lane.
_BYTE_LANES = tuple(sum((value >> bit & 1) << (bit * _LANE) for bit in range(8)) for value in range(256))


def _spread(bits: int) -> int:
    """A 64-bit hash with bit i moved to the lowest bit of lane i."""
    return sum(_BYTE_LANES[bits >> (8 * byte) & 0xFF] << (8 * byte * _LANE) for byte in range(SIMHASH_BITS // 8))


def _distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


# ------------------------------------------------------------ fingerprint


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What rotwatch keeps of a page to tell later whether it is still that page."""

    title: str = ""
    site: str = ""  # the end of the title that names the site, "" when none
    simhash: int | None = None  # of the text excerpt; None when too little text
    takeover_words: tuple[str, ...] = ()  # gambling, adult or loan-spam words in the text
    parked: bool = False

    def to_json(self) -> str:
        """A short JSON string for a state column."""
        value = {
            "title": self.title,
            "site": self.site,
            "simhash": None if self.simhash is None else f"{self.simhash:016x}",
            "takeover_words": list(self.takeover_words),
            "parked": self.parked,
        }
        return json.dumps({k: v for k, v in value.items() if v not in ("", None, [], False)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Fingerprint:
        """The fingerprint `to_json` wrote."""
        value = json.loads(text)
        hashed = value.get("simhash")
        return cls(
            title=str(value.get("title", "")),
            site=str(value.get("site", "")),
            simhash=None if hashed is None else int(hashed, 16),
            takeover_words=tuple(str(w) for w in value.get("takeover_words", ())),
            parked=bool(value.get("parked", False)),
        )


def fingerprint(page: Page) -> Fingerprint:
    """The fingerprint of a page as the link spider read it."""
    title = " ".join((page.title or "").split())
    return Fingerprint(
        title=title,
        site=_site_name(title),
        simhash=simhash(page.text),
        takeover_words=tuple(sorted(_takeover_words(page.text))),
        parked=is_parked(page, {}),
    )


# ------------------------------------------------------------------ judge


def judge_drift(then: Fingerprint, now: Fingerprint) -> Drift | None:
    """Whether `now` is clearly another page than `then`, and how; None if not."""
    for rule in (_parked, _takeover, _replaced):
        reason = rule(then, now)
        if reason is not None:
            kind, why = reason
            log.debug("drift %s: %s (then %r, now %r)", kind, why, then.title, now.title)
            return Drift(kind, why, then.title, now.title)
    return None


_Finding = tuple[DriftKind, str] | None


def _parked(then: Fingerprint, now: Fingerprint) -> _Finding:
    """A lander now where there was a page (a page parked all along never drifted)."""
    if now.parked and not then.parked:
        lander = Reason("drift_parked_titled", {"now": _short(now.title)}) if now.title else Reason("drift_parked")
        return DriftKind.PARKED, _was(lander, then)
    return None


def _takeover(then: Fingerprint, now: Fingerprint) -> _Finding:
    """Takeover words the page did not show before: one in the title, or strong or two in the text."""
    before = _takeover_words(then.title) | set(then.takeover_words)
    if _takeover_words(now.title) - before:
        return DriftKind.TAKEOVER, _was(Reason("drift_takeover", {"now": _short(now.title)}), then)
    new_words = set(now.takeover_words) - before
    if new_words & _STRONG or len(new_words) >= 2:
        shown = ", ".join(f"“{word}”" for word in sorted(new_words))
        return DriftKind.TAKEOVER, _was(Reason("drift_takeover_words", {"words": shown}), then)
    return None


def _replaced(then: Fingerprint, now: Fingerprint) -> _Finding:
    """Another page: text and title both far, or with titles only, another site and title."""
    if not then.title and not now.title and (then.simhash is None or now.simhash is None):
        return None
    kept = _kept_site(then.title, now.title)
    then_rest, now_rest = _without_site(then.title, now.title, kept)
    # A title that is nothing but the kept site name ("Element") is kept whole.
    similarity = title_similarity(then_rest, now_rest) if then_rest and now_rest else float(kept is not None)
    if then.simhash is not None and now.simhash is not None:
        far = _distance(then.simhash, now.simhash) >= TEXT_FAR
        if far and (similarity < TITLE_FAR or not (then.title and now.title)):
            return DriftKind.REPLACED, _was(Reason("drift_replaced", {"now": _short(now.title)}), then)
        return None
    if kept is None and _names_site(then.title) and _names_site(now.title) and similarity < TITLE_UNRELATED:
        return DriftKind.REPLACED, _was(Reason("drift_other_site", {"now": _short(now.title)}), then)
    return None


def _names_site(title: str) -> bool:
    return len(_parts(title)) >= 2


def _ends(title: str) -> list[str]:
    parts = _parts(title)
    return [parts[0], parts[-1]] if len(parts) >= 2 else parts


def _kept_site(then_title: str, now_title: str) -> tuple[str, str] | None:
    """The ends of the two titles that name the same site, None when none match."""
    if not (_names_site(then_title) or _names_site(now_title)):
        return None
    pairs = ((a, b) for a in _ends(then_title) for b in _ends(now_title))
    return next((pair for pair in pairs if title_similarity(*pair) >= SITE_MATCH), None)


def _without_site(then_title: str, now_title: str, kept: tuple[str, str] | None) -> tuple[str, str]:
    """The two titles with the site part they share set aside."""
    if kept is None:
        return then_title, now_title
    return _drop(then_title, kept[0]), _drop(now_title, kept[1])


def _drop(title: str, part: str) -> str:
    return " ".join(p for p in _parts(title) if p != part)


def _short(text: str) -> str:
    """A title as a reason quotes it: cut to _QUOTED_CHARS."""
    return text if len(text) <= _QUOTED_CHARS else text[: _QUOTED_CHARS - 1] + "…"


def _was(reason: Reason, then: Fingerprint) -> str:
    """The reason in English (the catalogue translates it), with the title it had when there was one."""
    return (Reason("drift_was", {"reason": reason, "then": _short(then.title)}) if then.title else reason).text()
