// Materialise golden records: plain fields as t_<field> properties (queryable), and the
// whole record with provenance as JSON (personal values only by reference).
UNWIND $rows AS row
MATCH (p:Profile {id: row.id})
SET p += row.plain, p.golden = row.golden, p.golden_at = $at
RETURN count(p) AS updated
