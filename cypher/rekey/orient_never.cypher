// NEVER pairs run from the smaller key to the larger too: turn round the renamed ones.
UNWIND $keys AS k
MATCH (i:Identifier {key: k})-[n:NEVER]-(:Identifier)
WITH DISTINCT n
WITH n, startNode(n) AS a, endNode(n) AS b
WHERE a.key > b.key
CREATE (b)-[m:NEVER]->(a)
SET m = properties(n)
DELETE n
RETURN count(m) AS turned
