// The golden records of several profiles at once.
UNWIND $ids AS pid
MATCH (p:Profile {id: pid, ws: $ws})
RETURN pid AS profile, p.golden AS golden
