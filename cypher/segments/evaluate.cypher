// Template: whether each profile meets a compiled segment condition (the placeholder is replaced by
// the condition, composed of fragments/ with parameters only). Merged profiles never do.
UNWIND $ids AS pid
MATCH (p:Profile {id: pid, ws: $ws})
RETURN pid AS profile, p.status = 'active' AND (__PREDICATE__) AS member
