CREATE INDEX event_ws_name IF NOT EXISTS FOR (e:Event) ON (e.ws, e.name)
