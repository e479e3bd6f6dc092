// The definition of one version of a journey.
MATCH (:Journey {key: $ws + ':' + $name})<-[:VERSION_OF]-(v:JourneyVersion {version: $version})
RETURN v.definition AS definition
