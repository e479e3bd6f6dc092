CREATE INDEX redecision_ws IF NOT EXISTS FOR (r:Redecision) ON (r.ws, r.requested_at)
