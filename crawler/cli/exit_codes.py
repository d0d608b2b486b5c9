"""The exit codes of every command, as CI reads them.

0 nothing failing; 1 a link fails (`broken` unless --fail-on widens it) or
a page could not be saved; 2 a usage or configuration error, or no issue
could be read; 3 this machine looks offline (no name resolves, not even the
canary host: nothing was checked or recorded, run again later); 130
interrupted (Ctrl-C), as a shell reports a command killed by SIGINT; 141
the reader of stdout went away (`rotwatch links ... | head`), as a shell
reports a command killed by SIGPIPE (128 + 13), which is what `cat` or
`grep` would return there. Python ignores SIGPIPE, so rotwatch catches the
broken pipe itself and exits quietly with that status instead of a
traceback; restoring the signal's default would let a reset socket inside a
crawl kill the process.
"""

from __future__ import annotations

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_CODES_HELP",
    "EXIT_FAILING",
    "EXIT_INTERRUPTED",
    "EXIT_OFFLINE",
    "EXIT_OK",
    "EXIT_USAGE",
]

EXIT_OK = 0
EXIT_FAILING = 1
EXIT_USAGE = 2
EXIT_OFFLINE = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

# The epilog of `rotwatch --help`.
EXIT_CODES_HELP = f"""exit codes:
  {EXIT_OK}    nothing fails
  {EXIT_FAILING}    a link fails (broken, or a verdict in --fail-on); save: a page not saved
  {EXIT_USAGE}    usage or configuration error, or no issue could be read
  {EXIT_OFFLINE}    offline: not even the canary host resolves; nothing checked or recorded
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
  {EXIT_BROKEN_PIPE}  the output's reader went away (rotwatch links issues/ | head)
"""
