// Sealed observation values with the identifier whose data key opens them.
UNWIND $keys AS k
MATCH (o:Observation {key: k})-[:ON]->(i:Identifier)
RETURN o.key AS key, o.enc AS enc, o.value AS value, i.key AS owner
