// Every observation of the given profiles' identifiers (values of personal fields sealed).
UNWIND $ids AS pid
MATCH (:Profile {id: pid})<-[:OF]-(i:Identifier)<-[:ON]-(o:Observation)
RETURN pid AS profile, o.key AS key, o.field AS field, o.vid AS vid, o.value AS value,
       o.source AS source, o.at AS at, o.first_at AS first_at, o.count AS count,
       o.confidence AS confidence, o.event AS event, i.key AS identifier
