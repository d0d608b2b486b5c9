"""The exit codes of every command, as CI reads them.

0 nothing failing; 1 a link fails (`broken` unless --fail-on widens it), a
page could not be saved, or the machine looks offline to a crawl (nothing
was recorded); 2 a usage or configuration error, or no input could be read;
130 interrupted (Ctrl-C), as a shell reports a command killed by SIGINT.
"""

from __future__ import annotations

__all__ = ["EXIT_FAILING", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE"]

EXIT_OK = 0
EXIT_FAILING = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
