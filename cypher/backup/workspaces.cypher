// Workspaces with data in the graph: every identity writer of a workspace writes one of its
// stripe lock nodes (`ResolverLock` in graphs written before stripes); sources and trait
// schemas are per workspace too (all these labels are small).
CALL () { MATCH (f:WriterLock|ResolverLock) RETURN collect(DISTINCT f.ws) AS locks }
CALL () { MATCH (s:Source) RETURN collect(s.ws) AS sources }
CALL () { MATCH (t:TraitSchema) RETURN collect(t.ws) AS schemas }
UNWIND locks + sources + schemas AS ws
WITH DISTINCT ws
WHERE ws IS NOT NULL
RETURN ws
ORDER BY ws
