// What an erasure of these identifiers would delete: events, trait observations, consents.
UNWIND $keys AS key
MATCH (i:Identifier {key: key})
RETURN sum(COUNT { (i)<-[:BY]-(:Event) }) AS events,
       sum(COUNT { (i)<-[:ON]-(:Observation) }) AS observations,
       sum(COUNT { (i)-[:GAVE]->(:Consent) }) AS consents
