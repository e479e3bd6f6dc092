MATCH (i:Identifier {key: $key})
SET i.blocked = $blocked, i.blocked_at = $at, i.blocked_by = $by
RETURN i.key AS key
