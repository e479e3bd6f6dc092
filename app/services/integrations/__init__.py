"""Bulk import and export, and plugins."""
