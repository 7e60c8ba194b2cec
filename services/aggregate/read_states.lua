-- Read the stored state of many event ids of one count shard in one round trip.
-- KEYS: the shard's event-state hashes (one hash tag, so one slot).
-- ARGV: pairs (key index, event id).
-- Returns one value per pair; nil where the id was never seen.
local out = {}
for i = 1, #ARGV, 2 do
  out[#out + 1] = redis.call('HGET', KEYS[tonumber(ARGV[i])], ARGV[i + 1])
end
return out
