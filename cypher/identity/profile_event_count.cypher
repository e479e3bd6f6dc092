MATCH (p:Profile {id: $id, ws: $ws})<-[:OF]-(:Identifier)<-[:BY]-(e:Event)
RETURN count(e) AS events
