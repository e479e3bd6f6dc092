// Template: for each row's profile, whether it meets each compiled condition whose position
// the row lists (`row.at`); the placeholder becomes one `CASE WHEN i IN row.at THEN (...) END`
// per condition, so a condition is evaluated only for the profiles it concerns (null
// elsewhere). Merged profiles never meet any.
UNWIND $rows AS row
MATCH (p:Profile {id: row.id, ws: $ws})
RETURN row.id AS profile, p.status = 'active' AS active, [__PREDICATE__] AS members
