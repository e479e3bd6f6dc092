// Audit entries in one write: one privacy-relevant action each (who, what, when, on which
// target: an id, never a value).
UNWIND $rows AS row
CREATE (a:AuditEntry {id: row.id, ws: $ws, at: row.at, actor: row.actor, action: row.action,
                      target: row.target, details: row.details})
RETURN count(a) AS entries
