// Lock the profiles $ids and the profiles the identifiers in $keys belong to, in id order,
// then read again which profiles the identifiers belong to (the caller locks any that moved
// in between, and reads again). `SET p:Profile` on a profile writes nothing: Neo4j takes the
// node's write lock before it finds the label there (`SET p.x = null` on a missing property
// takes none). The second read comes after the locks, so it sees what the previous holder of
// one of them committed.
CYPHER replan=skip
CALL (*) {
  CALL (*) {
    UNWIND $ids AS id
    MATCH (p:Profile {id: id})
    USING INDEX SEEK p:Profile(id)
    WHERE p.ws = $ws
    RETURN p
    UNION
    UNWIND $keys AS key
    MATCH (i:Identifier {key: key})
    USING INDEX SEEK i:Identifier(key)
    WHERE i.ws = $ws
    MATCH (i)-[:OF]->(p:Profile)
    RETURN p
  }
  WITH DISTINCT p
  ORDER BY p.id
  SET p:Profile
  RETURN collect(p.id) AS locked
}
CALL (*) {
  UNWIND $keys AS key
  MATCH (i:Identifier {key: key})
  USING INDEX SEEK i:Identifier(key)
  WHERE i.ws = $ws
  MATCH (i)-[:OF]->(p:Profile)
  RETURN collect(DISTINCT p.id) AS profiles
}
RETURN locked, profiles
