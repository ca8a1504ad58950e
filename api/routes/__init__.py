"""Routes, one module per domain noun."""
