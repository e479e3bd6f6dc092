// The workspace's trait schema as edited through the API (absent: config/traits.yaml rules).
MATCH (s:TraitSchema {ws: $ws})
RETURN s.json AS json, s.version AS version, s.updated_at AS updated_at
