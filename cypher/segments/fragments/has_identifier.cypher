// Fragment (a predicate on profile p): it has an identifier of a type.
EXISTS { (p)<-[:OF]-(:Identifier {type: $type}) }
