// One suggestion per question and workspace, ever: a dismissed question stays dismissed.
CREATE CONSTRAINT suggestion_ws_subject IF NOT EXISTS
FOR (s:Suggestion) REQUIRE (s.ws, s.subject) IS UNIQUE
