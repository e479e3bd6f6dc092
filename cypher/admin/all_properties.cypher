// Tests only: every property value of every node and relationship (the plaintext scan).
CALL () {
  MATCH (n) RETURN properties(n) AS props
  UNION ALL
  MATCH ()-[r]->() RETURN properties(r) AS props
}
RETURN props
