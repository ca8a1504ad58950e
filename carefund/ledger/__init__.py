"""The double-entry ledger: accounts, posting, the hash chain, the journal and verification."""
