// Fragment (a predicate on profile p): a journey tagged it (add_tag writes p.tags).
$tag IN coalesce(p.tags, [])
