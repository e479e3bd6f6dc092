"""The identity graph's use cases: ingestion of tracked batches, resolution, curation, key
rotation and sealing."""
