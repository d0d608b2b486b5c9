"""Mending dead links: the Wayback Machine's answers, the capture to use, archival copies, Save Page Now."""
