"""rotwatch: keeps a newsletter archive's links alive."""

__version__ = "0.1.0"
