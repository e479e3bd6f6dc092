// Materialise golden records: plain fields as t_<field> properties (queryable), and the
// whole record with provenance as JSON (personal values only by reference). Returns each
// profile's record as it was before, so callers can tell which fields changed.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (p:Profile {id: row.id})
USING INDEX SEEK p:Profile(id)
WITH p, row, p.golden AS before
SET p += row.plain, p.golden = row.golden, p.golden_at = $at
RETURN p.id AS id, before
