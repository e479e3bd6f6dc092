// How many profiles a segment of this workspace holds (its degree, read without visiting
// them) and how many profiles the graph holds (from the count store): the share that picks
// how a page of its members is read. No row for an unknown segment.
MATCH (s:Segment {key: $segment})
WHERE s.ws = $ws
CALL () {
  MATCH (p:Profile)
  RETURN count(p) AS profiles
}
RETURN COUNT { (s)<-[:IN_SEGMENT]-() } AS members, profiles
