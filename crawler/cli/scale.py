"""`rotwatch merge STATE...`: one state from the states of a crawl split by site.

N machines each run `rotwatch crawl --shard K/N --state shard-K.sqlite`;
`rotwatch merge shard-*.sqlite` folds them into reports/state.sqlite
(crawler.nightly.merge), and a plain `rotwatch crawl` then finds nothing
due, asks the archive about the dead links once, and writes every report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.exit_codes import EXIT_OK

if TYPE_CHECKING:
    from crawler.nightly.merge import ShardMerged

__all__ = ["MergeArguments", "run_merge"]


@dataclass(frozen=True)
class MergeArguments:
    shards: list[Path]
    state: Path


def run_merge(args: MergeArguments) -> int:
    from crawler.nightly.merge import merge_states

    merged = merge_states(args.state, args.shards, datetime.now(UTC))
    print(f"merged into {args.state} (run {merged.run_id}):")
    for shard in merged.shards:
        print(f"  {shard.path}: {_shard_line(shard)}")
    print("next: `rotwatch crawl` looks the dead links up in the archive and writes the reports")
    return EXIT_OK


def _shard_line(shard: ShardMerged) -> str:
    if not shard.finished:
        return "nothing taken: its crawl never finished (`rotwatch crawl` checks its sites' links when due)"
    return f"{shard.seen} links seen by its last crawl, {shard.newer} newer checks taken"
