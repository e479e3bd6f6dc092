// The review queue's sweep finds refused links by their refusal.
CREATE INDEX linked_refusal IF NOT EXISTS FOR ()-[l:LINKED]-() ON (l.refusal)
