"""`python -m crawler.simweb`: the simulated web in a process of its own."""

from __future__ import annotations

import subprocess
import sys

from crawler.simweb import fallback_title
from tests.simweb.clients import fetch


def test_main_serves_from_its_own_process_and_prints_the_port():
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.simweb", "--hosts", "3", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        assert fetch(f"http://site003.test:{port}/x").title == fallback_title("site003.test", "/x")
    finally:
        process.terminate()
    assert process.wait(timeout=5) == 0
