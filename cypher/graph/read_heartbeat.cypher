MATCH (h:Heartbeat {ws: $ws})
RETURN h.beats AS beats, h.at AS at, h.worker AS worker
