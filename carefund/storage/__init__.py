"""Storage: the `Database` (the one way to write and to read), engines, the direct
statements of the posting path, group commit and the schema's migrations."""
