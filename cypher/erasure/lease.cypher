// Take (or renew) the right to run an erasure: one runner at a time; a dead runner's lease
// runs out. Returns nothing when another runner holds it or the request is finished.
MATCH (r:ErasureRequest {id: $id, ws: $ws})
WHERE r.status IN ['requested', 'running']
  AND (r.runner IS NULL OR r.runner = $runner OR r.lease_until < $now)
SET r.runner = $runner, r.lease_until = $until
RETURN r {.*} AS request
