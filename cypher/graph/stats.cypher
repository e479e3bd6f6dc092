// Counts of the main node kinds in one workspace (no personal data).
CALL () { MATCH (i:Identifier {ws: $ws}) RETURN count(i) AS identifiers }
CALL () { MATCH (p:Profile {ws: $ws, status: 'active'}) RETURN count(p) AS profiles }
CALL () { MATCH (e:Event {ws: $ws}) RETURN count(e) AS events }
RETURN identifiers, profiles, events
