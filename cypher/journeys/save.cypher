// Create a journey or a new version of it; versions are kept, runs keep the one they began.
// A version records who saved it and that caller's role: its steps run with that role's rights.
MERGE (j:Journey {key: $ws + ':' + $name})
ON CREATE SET j.ws = $ws, j.name = $name, j.created_at = $at, j.version = 0, j.active = false
SET j.version = j.version + 1, j.definition = $definition, j.description = $description,
    j.updated_at = $at, j.updated_by = $by
CREATE (v:JourneyVersion {key: j.key + ':' + toString(j.version), version: j.version,
                          definition: $definition, at: $at, by: $by, by_role: $by_role})
       -[:VERSION_OF]->(j)
RETURN j.version AS version
