// The kid every identifier of the workspace is known to be keyed under, if any.
OPTIONAL MATCH (s:BlindIndexState {ws: $ws})
RETURN s.settled_kid AS kid
