// The review queue's sweep finds links refused since its last pass by their refusal and the
// time their state was decided.
CREATE INDEX linked_refusal_decided IF NOT EXISTS FOR ()-[l:LINKED]-() ON (l.refusal, l.decided_at)
