"""The benchmark: seeded traffic with ground truth, the HTTP load, the raw Neo4j limit, growth.

Run it with `make bench` (quick) or `make bench-full`; `python -m bench.run --help` lists the
knobs. Nothing here is imported by the platform.
"""
