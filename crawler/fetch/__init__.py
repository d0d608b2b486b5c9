"""Everything between a URL and its answer: Scrapy's runner, scheduling, politeness, name lookups, the address guard."""
