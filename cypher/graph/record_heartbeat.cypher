// The worker's heartbeat: proves a job went through Valkey and wrote to Neo4j.
MERGE (h:Heartbeat {ws: $ws})
ON CREATE SET h.first_at = $at
SET h.at = $at, h.worker = $worker, h.beats = coalesce(h.beats, 0) + 1
RETURN h.beats AS beats, h.at AS at
