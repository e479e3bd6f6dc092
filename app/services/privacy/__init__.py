"""Privacy: consent, erasure, subject access, retention and the audit log."""
