"""Who may do what: users and their tokens, web sessions, idempotency keys."""
