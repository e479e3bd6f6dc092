// Of the keys $keys, the stored anonymous ids of this workspace with evidence under a successor
// rule ($rules: alias) with a user id: an alias whose previousId was read as an anonymous id
// because no user id of that value was stored yet. When that user id appears, the batch links
// it to the same successors (app/services/identity/ingestion/successions.py).
CYPHER replan=skip
UNWIND $keys AS key
MATCH (i:Identifier {key: key})
USING INDEX SEEK i:Identifier(key)
WHERE i.ws = $ws AND i.type = 'anonymous_id'
MATCH (i)-[l:LINKED]-(u:Identifier)
WHERE l.rule IN $rules AND u.type = 'user_id'
RETURN i.key AS previous, u.key AS successor, l.rule AS rule, l.first_seen AS first,
       coalesce(l.last_seen, l.first_seen) AS last, l.source AS source
ORDER BY previous, successor, rule
