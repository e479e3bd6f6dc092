// Under the subject's profile locks: delete the subject's identifiers (with their evidence, NEVER and
// OF edges) and profiles (with lineage, action records and any membership edges); shared
// identifiers lose their OF edge and are re-resolved by the caller. Counts go on the request.
MATCH (r:ErasureRequest {id: $id, ws: $ws})
CALL {
  UNWIND $keys AS key
  MATCH (i:Identifier {key: key})
  DETACH DELETE i
  RETURN count(*) AS identifiers
}
CALL {
  UNWIND $profiles AS pid
  MATCH (p:Profile {id: pid})
  OPTIONAL MATCH (p)-[:HAD_ACTION]->(a:ActionRecord)
  DETACH DELETE a
  WITH DISTINCT p
  DETACH DELETE p
  RETURN count(*) AS profiles
}
SET r.c_identifiers = coalesce(r.c_identifiers, 0) + identifiers,
    r.c_profiles = coalesce(r.c_profiles, 0) + profiles
RETURN identifiers, profiles
