"""Extraction throughput: how fast `collect_links` reads an archive.

Writes a corpus of realistic issues (modelled on issues/2024-03-27-ai-deca-show.md:
Chinese prose, headings, bullets ending in `[链接](URL)`, images, plus the
bare URLs, reference links and raw HTML other archives use) into a temporary
folder, runs `collect_links` over it several times and reports the best run
in MB/s of Markdown and links/s.

    python benchmarks/bench_extract.py [--issues 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from crawler.issues.reading import collect_links

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
    """One issue in the archive's style, varied by `rng`."""

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
        parts += [heading, "", image(f"topnews{story + 1}.jpeg"), "", prose(5), ""]
    parts.append(f"原文见{url()}，详情请阅读全文。")
    for section in SECTIONS:
        parts += ["", "---", f"## {section}", "", image(f"{section}.jpeg"), ""]
        parts += [f"* {prose(2)} [链接]({url()})\n" for _ in range(rng.randint(4, 8))]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        size = write_corpus(folder, args.issues)
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            links, issues, problems = collect_links([folder])
            timings.append(time.perf_counter() - started)
    best = min(timings)
    assert not problems and len(issues) == args.issues
    megabytes = size / 1e6
    print(f"corpus: {args.issues} issues, {megabytes:.1f} MB, {len(links)} http(s) links; {os.cpu_count()} cores")
    print(f"best of {args.runs}: {best:.2f} s = {megabytes / best:.2f} MB/s, {len(links) / best:,.0f} links/s")


if __name__ == "__main__":
    main()
