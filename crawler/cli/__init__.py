"""The command line: flags in, a stage called, words and an exit code out."""
