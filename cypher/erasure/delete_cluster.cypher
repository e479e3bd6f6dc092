// Under the subject's profile locks: delete the subject's identifiers (with their evidence, NEVER,
// OF and SEEN_ON edges) and profiles (with lineage, action records and any membership edges);
// shared identifiers lose their OF edge and are re-resolved by the caller. A device seen only on
// the subject's identifiers goes with them, and so does one named by one of them ($devices: its
// key derives from the identifier's); a device other identifiers were seen on stays, detached
// from the subject's. Review-queue suggestions about any of them go as well, and the open
// ones about an identifier of their profiles (a shared one too): nothing keeps a question the
// subject was in. Counts go on the request.
MATCH (r:ErasureRequest {id: $id, ws: $ws})
CALL () {
  UNWIND $keys AS key
  MATCH (:Identifier {key: key})<-[:ABOUT]-(s:Suggestion)
  WITH DISTINCT s
  DETACH DELETE s
  RETURN count(*) AS by_identifier
}
CALL () {
  UNWIND $profiles AS pid
  MATCH (p:Profile {id: pid})
  CALL (p) {
    MATCH (p)<-[:ABOUT]-(s:Suggestion)
    RETURN s
    UNION
    MATCH (p)<-[:OF]-(:Identifier)<-[:ABOUT]-(s:Suggestion)
    WHERE s.status IN ['open', 'deciding']
    RETURN s
  }
  WITH DISTINCT s
  DETACH DELETE s
  RETURN count(*) AS by_profile
}
CALL () {
  UNWIND $keys AS key
  MATCH (:Identifier {key: key})-[:SEEN_ON]->(d:Device)
  RETURN collect(DISTINCT d) AS touched
}
CALL () {
  UNWIND $keys AS key
  MATCH (i:Identifier {key: key})
  DETACH DELETE i
  RETURN count(*) AS identifiers
}
CALL () {
  UNWIND $profiles AS pid
  MATCH (p:Profile {id: pid})
  OPTIONAL MATCH (p)-[:HAD_ACTION]->(a:ActionRecord)
  DETACH DELETE a
  WITH DISTINCT p
  DETACH DELETE p
  RETURN count(*) AS profiles
}
CALL (touched) {
  OPTIONAL MATCH (named:Device) WHERE named.key IN $devices
  WITH touched, collect(named) AS named
  UNWIND touched + named AS d
  WITH DISTINCT d
  WHERE d.key IN $devices OR NOT EXISTS { (d)<-[:SEEN_ON]-(:Identifier) }
  DETACH DELETE d
  RETURN count(*) AS devices
}
SET r.c_identifiers = coalesce(r.c_identifiers, 0) + identifiers,
    r.c_profiles = coalesce(r.c_profiles, 0) + profiles
RETURN identifiers, profiles, devices
