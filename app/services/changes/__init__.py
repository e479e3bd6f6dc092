"""The change feed: notices of what changed on a profile, and the dispatcher that fans them out."""
