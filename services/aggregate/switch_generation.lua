-- Make a rebuilt generation the active one, unless a release barrier is up or another
-- switch got there first. KEYS: release barrier, active generation.
-- ARGV: generation expected active now, new generation.
-- Returns 1 when switched, 0 while a barrier holds the counts, -1 if the active moved.
local barrier_key, active_key = KEYS[1], KEYS[2]
if redis.call('EXISTS', barrier_key) == 1 then return 0 end
local active = redis.call('GET', active_key) or '1'
if active ~= ARGV[1] then return -1 end
redis.call('SET', active_key, ARGV[2])
return 1
