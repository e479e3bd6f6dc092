// Template: for each row's profile, whether it meets each compiled condition whose position
// the row lists (`row.at`); the placeholder becomes one `CASE WHEN i IN row.at THEN (...) END`
// per condition, so a condition is evaluated only for the profiles it concerns (null
// elsewhere). The events of the names the row's conditions count (`row.events`) are collected
// once per profile, for every event count to read. Merged profiles never meet any. Also the
// names of the segments the profile is in now, so that only the memberships that change are
// written.
UNWIND $rows AS row
MATCH (p:Profile {id: row.id, ws: $ws})
WITH row, p, CASE WHEN size(row.events) = 0 THEN [] ELSE COLLECT {
  MATCH (p)<-[:OF]-(:Identifier)<-[:BY]-(e:Event)
  WHERE e.name IN row.events
  RETURN [e.name, e.at]
} END AS events
RETURN row.id AS profile, p.status = 'active' AS active, [__PREDICATE__] AS members,
       COLLECT { MATCH (p)-[:IN_SEGMENT]->(s:Segment) RETURN s.name } AS segments
