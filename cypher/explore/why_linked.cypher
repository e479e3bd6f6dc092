// Why two identifiers are in one profile: the chains of followed evidence between the
// identifiers with keys $a and $b (keys are `ws:type:kid:hash`; copy them from a node's
// properties). Of the shortest chains, the one whose weakest edge is strongest is shown. No
// row means no followed chain joins them: they are in different profiles. The API's
// explainLink ranks by strength first and length second, with the weights of the current
// rules; on a small cluster both usually give the same chain.
MATCH (a:Identifier {key: $a})
MATCH (b:Identifier {key: $b})
MATCH path = allShortestPaths((a)-[:LINKED*..64]-(b))
  WHERE all(l IN relationships(path) WHERE l.followed)
WITH path, reduce(w = 1.0, l IN relationships(path) |
       CASE WHEN l.weight < w THEN l.weight ELSE w END) AS weakest
ORDER BY weakest DESC
LIMIT 1
RETURN path, weakest,
       [k IN range(0, length(path) - 1) |
         nodes(path)[k].type + ' -' + relationships(path)[k].rule + ' (weight ' +
         toString(relationships(path)[k].weight) + ', count ' +
         toString(relationships(path)[k].count) + ')- ' + nodes(path)[k + 1].type] AS steps
