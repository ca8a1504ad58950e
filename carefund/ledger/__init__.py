"""The double-entry ledger, by concern.

`accounts` (the chart, `Line`), `posting` (lock a fund's head, take numbers, post and
reverse: the one path by which every entry is made), `hashing` (an entry's public form
and its hash), `journal` (reading entries back) and `verify` (recomputing a chain).
"""
