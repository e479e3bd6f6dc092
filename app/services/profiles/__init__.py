"""Profiles: reading and browsing them, trait observations and golden records, the trait schema."""
