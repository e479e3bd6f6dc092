// Benchmark: active profiles of a workspace (the graph size the growth phases report).
MATCH (p:Profile {ws: $ws, status: 'active'})
RETURN count(p) AS profiles
