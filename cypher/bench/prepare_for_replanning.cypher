// After a bulk load: resample the indexes, wait, and clear the query caches, so the next
// queries are planned on the statistics of the loaded graph, not on those of the graph before
// (plans made for a few hundred profiles ran 20 times slower on ten thousand).
CALL db.prepareForReplanning()
