// Several audit entries in one write (the personal-data reads of one API request).
UNWIND $rows AS row
CREATE (a:AuditEntry {id: row.id, ws: $ws, at: $at, actor: $actor, action: row.action,
                      target: row.target, details: row.details})
RETURN count(a) AS entries
