-- Make a rebuilt generation the active one, unless a release barrier is up or another
-- switch got there first. ARGV: prefix, generation expected active now, new generation.
-- Returns 1 when switched, 0 while a barrier holds the counts, -1 if the active moved.
local prefix = ARGV[1]
if redis.call('EXISTS', prefix .. ':barrier') == 1 then return 0 end
local active = redis.call('GET', prefix .. ':agg:generation') or '1'
if active ~= ARGV[2] then return -1 end
redis.call('SET', prefix .. ':agg:generation', ARGV[3])
return 1
