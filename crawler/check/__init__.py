"""Deciding what a link's answer means: which URLs to fetch, how to read a page, the verdict and its reason."""
