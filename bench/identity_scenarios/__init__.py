"""Identity resolution on messy, real-world identifiers, scored against an independent truth.

Each scenario (catalog.py) is a small population whose messages are written as trackers write
them (Segment-spec JSON), with the truth of who sent each identifier recorded as it is made:
nothing of the platform decides the truth. Two truths are scored (truth.py): the *human* truth
(which person each identifier belongs to) and the *linkable* truth (what deterministic rules can
know: a person's identifiers joined only where one message carries them together, values
compared after this package's own canonicalisation, canon.py). The messages go through the
platform's real path (the Segment-spec parser, the stream and the resolver's micro-batches)
in several arrival orders and in one large drain (run.py), and every identifier a person sent
is looked up where the platform put it; one the graph lacks counts as an error (a profile of
its own), not as left out (score.py). `make accuracy` runs it and writes docs/accuracy.md's
table.
"""
