// Which of these subjects were filed already in this workspace (whatever became of them).
UNWIND $subjects AS subject
MATCH (s:Suggestion {ws: $ws, subject: subject})
RETURN subject
