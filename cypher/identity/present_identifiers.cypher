// Which of these keys are stored identifier nodes (read before a batch takes the lock).
CYPHER replan=skip
UNWIND $keys AS key
MATCH (i:Identifier {key: key})
USING INDEX SEEK i:Identifier(key)
RETURN collect(i.key) AS present
