// The newest audit entries, optionally of one action, before a time (for paging back).
MATCH (a:AuditEntry {ws: $ws})
WHERE ($action IS NULL OR a.action = $action) AND a.at < $before
RETURN a.id AS id, a.at AS at, a.actor AS actor, a.action AS action, a.target AS target,
       a.details AS details
ORDER BY a.at DESC, a.id DESC
LIMIT $limit
