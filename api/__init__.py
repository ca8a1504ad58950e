"""carefund's HTTP face: the REST API v1 (API.md) and the clerks' web pages."""
