"""The event stream's Lua scripts: Valkey runs each atomically (app/adapters/valkey/stream.py
says what they guarantee)."""

ACCEPT = """
local backlog = tonumber(redis.call('GET', KEYS[2]) or '0')
local n = tonumber(ARGV[3])
if backlog + n > tonumber(ARGV[1]) then
  return {-1, backlog}
end
local ttl = tonumber(ARGV[2])
local fresh, marks, seen = {}, {}, {}
for i = 1, n do
  local dedup = ARGV[5] .. ARGV[4 + 2 * i]
  if not seen[dedup] and (ttl <= 0 or redis.call('EXISTS', dedup) == 0) then
    seen[dedup] = true
    fresh[#fresh + 1] = ARGV[5 + 2 * i]
    marks[#marks + 1] = dedup
  end
end
local accepted = #fresh
if accepted > 0 then
  -- One field for every message: a command's arguments never grow with the batch, so no
  -- batch the limits allow can fail half-way. Nothing is written before this append.
  redis.call('XADD', KEYS[1], '*', 'source', ARGV[4], 'n', accepted,
             'm', table.concat(fresh, '\\n'))
  if ttl > 0 then
    for _, dedup in ipairs(marks) do redis.call('SET', dedup, '1', 'EX', ttl) end
  end
  redis.call('INCRBY', KEYS[2], accepted)
  redis.call('HINCRBY', KEYS[3], 'accepted', accepted)
  redis.call('HINCRBY', KEYS[4], 'accepted', accepted)
  redis.call('EXPIRE', KEYS[4], tonumber(ARGV[6 + 2 * n]))
end
return {accepted, n - accepted}
"""

ACK = """
local n = tonumber(ARGV[2])
for i = 3, #ARGV do
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
end
redis.call('DECRBY', KEYS[2], n)
if tonumber(redis.call('GET', KEYS[2]) or '0') < 0 then redis.call('SET', KEYS[2], 0) end
return n
"""

#: Rewrite one entry without some of its messages (an erasure): the kept ones move to a new
#: entry, the old one is acknowledged and deleted, the backlog shrinks by what was removed.
#: Nothing happens if a resolver already finished (and deleted) the entry.
REWRITE = """
local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #found == 0 then return 0 end
if #ARGV > 3 then
  local fields = {}
  for i = 4, #ARGV do table.insert(fields, ARGV[i]) end
  redis.call('XADD', KEYS[1], '*', unpack(fields))
end
redis.call('XACK', KEYS[1], ARGV[2], ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
redis.call('DECRBY', KEYS[2], tonumber(ARGV[3]))
if tonumber(redis.call('GET', KEYS[2]) or '0') < 0 then redis.call('SET', KEYS[2], 0) end
return tonumber(ARGV[3])
"""
