// Workspaces with data in the graph: every identity writer of a workspace keeps its lock node;
// sources and trait schemas are per workspace too (all three labels are small).
CALL () { MATCH (f:ResolverLock) RETURN collect(f.ws) AS locks }
CALL () { MATCH (s:Source) RETURN collect(s.ws) AS sources }
CALL () { MATCH (t:TraitSchema) RETURN collect(t.ws) AS schemas }
UNWIND locks + sources + schemas AS ws
WITH DISTINCT ws
WHERE ws IS NOT NULL
RETURN ws
ORDER BY ws
