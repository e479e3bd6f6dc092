// Identifiers in the graph whose keys are suppressed (a restored backup brought them back),
// with their active profile.
UNWIND $keys AS key
MATCH (i:Identifier {key: key})
OPTIONAL MATCH (i)-[:OF]->(p:Profile)
RETURN i.key AS key, p.id AS profile
