// One privacy-relevant action: who, what, when, on which target (an id, never a value).
CREATE (a:AuditEntry {id: $id, ws: $ws, at: $at, actor: $actor, action: $action,
                      target: $target, details: $details})
RETURN a.id AS id
