// Failed erasures go back to running (they resume where they stopped).
MATCH (r:ErasureRequest {ws: $ws, status: 'failed'})
SET r.status = CASE WHEN r.planned THEN 'running' ELSE 'requested' END
RETURN collect(r.id) AS ids
