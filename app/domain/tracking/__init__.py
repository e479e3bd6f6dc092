"""Tracking messages as Segment's spec defines them, and their reading into the pipeline's form."""
