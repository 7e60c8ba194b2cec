-- Read the stored state of many event ids in one round trip.
-- ARGV: prefix of the generation's event-state hashes, then pairs (bucket, event id).
-- Returns one value per pair; nil where the id was never seen.
local states_prefix = ARGV[1]
local out = {}
for i = 2, #ARGV, 2 do
  out[#out + 1] = redis.call('HGET', states_prefix .. ARGV[i], ARGV[i + 1])
end
return out
