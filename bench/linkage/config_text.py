"""config/linkage.yaml as an operator reads it: every part with a comment saying what it
means, every level with the weight it adds."""

from __future__ import annotations

from app.services.identity.linkage.config import (
    VERSION,
    BlockingRule,
    Comparison,
    LinkageConfig,
)

_HEADER = """\
# Record linkage: which pairs of profiles are likely one person though they share no
# identifier. A worker job scores pairs of profiles by their traits and writes a merge
# suggestion for each pair at or above the threshold; an operator accepts or dismisses it.
# A suggestion never merges by itself.
#
# Written by `python -m bench.linkage.train`
# ({provenance}).
# Every number can be edited by hand; the file is read again when the job starts.
#
# How a pair is scored (Fellegi-Sunter): each field of the two records is compared and
# reaches one level (the first of its levels whose test passes). A level has two numbers:
#   m: how often two records of ONE person reach it       (measured on generated people
#      whose truth is known: bench/linkage/people.py)
#   u: how often two records of DIFFERENT people reach it (measured on random pairs, where
#      almost every pair is of two people; re-measured on the records being scored). A
#      level too rare to be met among a million random pairs is weighted like the stricter
#      level before it.
# Both are shares of the pairs where the field is present on both sides: a field missing
# on either side weighs nothing. The level adds log2(m / u) to the pair's match weight
# (shown beside each level); the prior starts it. The match probability is
# 2^w / (1 + 2^w).
version: {version}

# A pair is suggested when its match probability is at least this. Chosen as the
# probability with the best F1 on a second generated population
# ({threshold_note}).
threshold: {threshold}

# The prior: how many other records of the same person a record has on average (measured
# on the generated population). With n records scored (linking two sets: the larger set),
# counted as at least min_population, the chance that a random pair matches is
# matches_per_record / (n - 1); its log2 odds start the weight.
prior:
  matches_per_record: {matches_per_record}
  min_population: {min_population}

# u is re-measured on the records being scored when there are at least min_records of them
# (linking: in the smaller set): exact agreement from the values' frequencies, the other
# levels from sample_pairs random pairs; a level reached fewer than min_pairs_per_level
# times in the sample keeps the u written below. seed makes the sample repeatable.
u_estimation:
  min_records: {u.min_records}
  sample_pairs: {u.sample_pairs}
  min_pairs_per_level: {u.min_pairs_per_level}
  seed: {u.seed}

# For fields with term_frequency: true, exact agreement on a rare value (a rare surname)
# weighs more than on a common one: u of that value is its share of the records scored,
# at least minimum_u. Applied when at least min_records records are scored.
term_frequency:
  min_records: {tf.min_records}
  minimum_u: {tf.minimum_u}

# Fields that tell one fact count once: in each pair, a group adds only the weight of its
# strongest member (the largest when one is positive, else the most negative), and its
# other fields add 0 (their verdicts say so). A household shares a surname and an address:
# twins, a parent and a child agree on all of them at once, and a person who moves changes
# them all at once. A phone number counts on its own: most are a person's own mobile.
groups:
{groups}

# Candidate pairs: only pairs proposed by at least one rule are scored (never every pair).
#   agree_on: [keys]       records agreeing on every key
#   sorted_on: key, window records within `window` places of each other once the distinct
#                          values of key are sorted (catches typos after the first letters)
# Keys: the fields, and first_name_initial, last_name_initial, first_name_phonetic,
# last_name_phonetic (NYSIIS code of the first word), birth_year, birth_month_day, full_name
# ("last first"). A key value shared by more than max_block_size records proposes no pairs
# in that rule (a placeholder value must not propose millions of pairs); other rules still do.
blocking:
  max_block_size: {max_block_size}
  rules:
{rules}

# Fields and their levels, in order: a pair's field reaches the first level whose test
# passes. Tests: exact (equal values after cleaning), nickname (first names of one nickname
# group: Bob and Robert), swapped (a birthday with day and month swapped; for names, first
# and last names the other way round), a level with at_least (similarity at least that, with
# the field's similarity: jarowinkler, jaro, levenshtein, damerau_levenshtein, qgram or
# cosine, 1 for equal strings), a level with agree_on (the two records agree on that key,
# one of the blocking keys below), different (everything else; always last). The m of a
# field's levels sum to 1, as do the u.
comparisons:
{comparisons}"""

_RULE_NOTES = {
    ("last_name_phonetic", "birth_year"): "surnames sounding alike, born the same year",
    ("birthday",): "one birthday (names mistyped, swapped or changed)",
    ("last_name_phonetic", "first_name_initial", "postal_code"): "one surname sound, one "
    "initial, one postal code (a birthday missing or mistyped)",
    ("address",): "one street line",
    ("phone",): "one phone number",
    ("full_name",): "one full name, or neighbours by it (a typo after the first letters)",
}


def number(value: float) -> str:
    """Four significant digits, always a YAML float (1e-05 would read as a string)."""
    text = f"{value:.4g}"
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def render(config: LinkageConfig, provenance: str, threshold_note: str) -> str:
    return _HEADER.format(
        version=VERSION,
        provenance=provenance,
        threshold_note=threshold_note,
        threshold=number(config.threshold),
        matches_per_record=number(config.prior.matches_per_record),
        min_population=config.prior.min_population,
        u=config.u_estimation,
        tf=config.term_frequency,
        max_block_size=config.max_block_size,
        rules="\n".join(_rule(rule) for rule in config.blocking),
        groups="\n".join(f"  {g.name}: [{', '.join(g.fields)}]" for g in config.groups),
        comparisons="\n".join(_comparison(c) for c in config.comparisons),
    )


def _rule(rule: BlockingRule) -> str:
    note = _RULE_NOTES.get(rule.on)
    comment = f"    # {note}\n" if note else ""
    if rule.window is not None:
        return f"{comment}    - {{sorted_on: {rule.on[0]}, window: {rule.window}}}"
    return f"{comment}    - {{agree_on: [{', '.join(rule.on)}]}}"


def _comparison(comparison: Comparison) -> str:
    lines = [f"  {comparison.field}:"]
    if comparison.similarity:
        lines.append(f"    similarity: {comparison.similarity}")
    if comparison.term_frequency:
        lines.append("    term_frequency: true")
    lines.append("    levels:")
    for level in comparison.levels:
        test = "" if level.at_least is None else f", at_least: {level.at_least}"
        test += "" if level.agree_on is None else f", agree_on: {level.agree_on}"
        body = f"{{level: {level.name}{test}, m: {number(level.m)}, u: {number(level.u)}}}"
        lines.append(f"      - {body:<62} # {level.weight:+.2f}")
    return "\n".join(lines)
