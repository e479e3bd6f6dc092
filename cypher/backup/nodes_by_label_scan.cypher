// Nodes per label, all workspaces, by a scan: for a user not allowed the count store's
// procedure (an external Neo4j); slower on a large graph, same answer.
MATCH (n)
UNWIND labels(n) AS label
RETURN label, count(*) AS nodes
ORDER BY label
