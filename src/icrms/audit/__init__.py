"""The tamper-evident audit trail: append-only, every entry carrying the hash of the one before."""
