// Event counts of several profiles at once.
UNWIND $ids AS pid
MATCH (p:Profile {id: pid, ws: $ws})
RETURN pid AS profile, COUNT { (p)<-[:OF]-(:Identifier)<-[:BY]-(:Event) } AS events
