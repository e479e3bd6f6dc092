// Fragment (a predicate on profile p): how many events of a name it has since a time lies
// between bounds ($max null: no upper bound).
COUNT { (p)<-[:OF]-(:Identifier)<-[:BY]-(e:Event) WHERE e.name = $name AND e.at >= $since } >= $min
AND ($max IS NULL OR COUNT { (p)<-[:OF]-(:Identifier)<-[:BY]-(e:Event) WHERE e.name = $name AND e.at >= $since } <= $max)
