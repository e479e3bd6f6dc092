// Stamp runs a job has taken on as handled now, without moving them (each only while it is
// still at the seq the job was given): the sweep for runs no job carries leaves them alone.
UNWIND $runs AS row
MATCH (r:JourneyRun {id: row.id, ws: $ws})
WHERE r.seq = row.seq
SET r.updated_at = $at
RETURN count(r) AS touched
