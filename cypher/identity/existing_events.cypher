// Which of these event ids are already stored (replays add no evidence).
UNWIND $ids AS id
MATCH (e:Event {id: id})
RETURN collect(e.id) AS ids
