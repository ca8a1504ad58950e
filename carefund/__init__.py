"""carefund: a double-entry, hash-chained ledger for a district's mutual-aid care fund."""

__version__ = "0.1.0"
