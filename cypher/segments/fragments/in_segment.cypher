// Fragment (a predicate on profile p): it is a member of another segment.
EXISTS { (p)-[:IN_SEGMENT]->(:Segment {key: $key}) }
