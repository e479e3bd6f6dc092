CREATE INDEX event_at IF NOT EXISTS FOR (e:Event) ON (e.at)
