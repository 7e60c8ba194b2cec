-- Apply one partition's counted batch atomically, or nothing at all.
--
-- Every key is declared and all share the hash tag of the partition's count shard (one
-- slot, so it runs on Redis Cluster too; names from `platform.redis_keys`).
-- KEYS: 1 the shard's copy of the active generation, 2 its copy of the release barrier,
-- 3 the generation's offsets of the shard's partitions, 4 its stats, 5 the shard's
-- dead-letter counts, 6 its dead-letter counts by publisher, then the event-state hashes and
-- count tables the lists below name by index (7, 8, ...).
-- ARGV: generation, must_be_active ('1'/'0'), respect_barrier ('1'/'0'), partition,
-- expected stored offset or '', new offset, then five newline-terminated lists of
-- tab-separated fields (ids, codes and labels never hold tabs or newlines; packing them
-- keeps a batch to eleven arguments however big it is):
--   states:     key index, event id, expected value or '', new value
--   counts:     key index, field '<date>|<group>', delta
--   stats:      name, delta
--   dead:       field of the dead-letter counts, delta
--   publishers: field of the dead-letter counts by publisher, delta
-- Every check runs before the first write, so a refused batch leaves Redis untouched.
-- Returns {'ok'} or {kind, detail}, kind one of generation, offset, barrier, state, negative.
local generation_key, barrier_key, offsets_key, stats_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local dead_key, publishers_key = KEYS[5], KEYS[6]
local generation, must_be_active, respect_barrier = ARGV[1], ARGV[2], ARGV[3]
local partition, expected_offset, new_offset = ARGV[4], ARGV[5], ARGV[6]
local states, counts, stats, dead, publishers = ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11]
local THREE = '([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\n'
local FOUR = '([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\n'
local TWO = '([^\t\n]*)\t([^\t\n]*)\n'

if must_be_active == '1' then
  -- No copy yet: no switch has happened since this shard was first counted.
  local active = redis.call('GET', generation_key)
  if active and active ~= generation then return {'generation', active} end
end

local stored_offset = redis.call('HGET', offsets_key, partition) or ''
if stored_offset ~= expected_offset then return {'offset', stored_offset} end
if respect_barrier == '1' then
  local barrier = redis.call('HGET', barrier_key, partition)
  if barrier and tonumber(new_offset) > tonumber(barrier) then return {'barrier', barrier} end
end

for index, id, expected in string.gmatch(states, FOUR) do
  local stored = redis.call('HGET', KEYS[tonumber(index)], id) or ''
  if stored ~= expected then return {'state', id} end
end

-- Only a subtraction can go below zero ('-' is byte 45).
for index, field, delta in string.gmatch(counts, THREE) do
  if string.byte(delta, 1) == 45 then
    local key = KEYS[tonumber(index)]
    local stored = tonumber(redis.call('HGET', key, field) or '0')
    if stored + tonumber(delta) < 0 then return {'negative', key .. ' ' .. field} end
  end
end

-- All checks passed: write.
for index, id, _, new in string.gmatch(states, FOUR) do
  redis.call('HSET', KEYS[tonumber(index)], id, new)
end

for index, field, delta in string.gmatch(counts, THREE) do
  local key = KEYS[tonumber(index)]
  if redis.call('HINCRBY', key, field, delta) == 0 then
    redis.call('HDEL', key, field)
  end
end

for name, delta in string.gmatch(stats, TWO) do
  redis.call('HINCRBY', stats_key, name, delta)
end

for field, delta in string.gmatch(dead, TWO) do
  redis.call('HINCRBY', dead_key, field, delta)
end

for field, delta in string.gmatch(publishers, TWO) do
  redis.call('HINCRBY', publishers_key, field, delta)
end

redis.call('HSET', offsets_key, partition, new_offset)
return {'ok'}
