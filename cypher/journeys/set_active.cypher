// Activate a journey (new runs may start) or pause it (runs in flight carry on).
MATCH (j:Journey {key: $ws + ':' + $name})
SET j.active = $active, j.updated_at = $at
RETURN j.name AS name
