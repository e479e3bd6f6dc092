// New active profiles. A row may carry the profile's golden record (plain t_ fields and the
// JSON record) when it was decided with the profile: a profile of identifiers all new in the
// batch has no observations but the batch's. Rows without one get theirs from a refresh.
CYPHER replan=skip
UNWIND $rows AS row
CREATE (p:Profile {id: row.id, ws: $ws, status: 'active', created_at: $at, updated_at: $at,
                   version: 1})
SET p += row.plain, p.golden = row.golden,
    p.golden_at = CASE WHEN row.golden IS NULL THEN null ELSE $at END
RETURN count(p) AS created
