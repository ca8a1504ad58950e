"""Storage: engines, units of work, the direct statements of the posting path, group commit
and the schema's migrations."""
