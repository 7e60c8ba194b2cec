-- Apply one counted batch atomically, or nothing at all.
--
-- KEYS: active generation, release barrier, dead-letter counts, the generation's offsets, its
-- stats, and the dead-letter counts by publisher (every name from `platform.redis_keys`).
-- ARGV: generation, prefix of its event-state hashes, prefix of its count tables,
-- must_be_active ('1'/'0'), respect_barrier ('1'/'0'), then six newline-terminated lists
-- of tab-separated fields (ids, codes and labels never hold tabs or newlines; packing them
-- keeps a batch to eleven arguments however big it is):
--   partitions: partition, expected stored offset or '', new offset
--   states:     bucket, event id, expected value or '', new value
--   counts:     table suffix '<ltla>:<dose>:<breakdown>', field '<date>|<group>', delta
--   stats:      name, delta
--   dead:       field of the dead-letter counts, delta
--   publishers: field of the dead-letter counts by publisher, delta
-- Every check runs before the first write, so a refused batch leaves Redis untouched.
-- Returns {'ok'} or {kind, detail}, kind one of generation, offset, barrier, state, negative.
local active_key, barrier_key, dead_key, offsets_key, stats_key, publishers_key =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local generation, states_prefix, counts_prefix = ARGV[1], ARGV[2], ARGV[3]
local must_be_active, respect_barrier = ARGV[4], ARGV[5]
local partitions, states, counts, stats, dead = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local publishers = ARGV[11]
local THREE = '([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\n'
local FOUR = '([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\t([^\t\n]*)\n'
local TWO = '([^\t\n]*)\t([^\t\n]*)\n'

if must_be_active == '1' then
  local active = redis.call('GET', active_key) or '1'
  if active ~= generation then return {'generation', active} end
end

for partition, expected, new in string.gmatch(partitions, THREE) do
  local stored = redis.call('HGET', offsets_key, partition) or ''
  if stored ~= expected then return {'offset', partition .. ':' .. stored} end
  if respect_barrier == '1' then
    local barrier = redis.call('HGET', barrier_key, partition)
    if barrier and tonumber(new) > tonumber(barrier) then
      return {'barrier', partition .. ':' .. barrier}
    end
  end
end

for bucket, id, expected in string.gmatch(states, FOUR) do
  local stored = redis.call('HGET', states_prefix .. bucket, id) or ''
  if stored ~= expected then return {'state', id} end
end

-- Only a subtraction can go below zero ('-' is byte 45).
for suffix, field, delta in string.gmatch(counts, THREE) do
  if string.byte(delta, 1) == 45 then
    local stored = tonumber(redis.call('HGET', counts_prefix .. suffix, field) or '0')
    if stored + tonumber(delta) < 0 then return {'negative', suffix .. ' ' .. field} end
  end
end

-- All checks passed: write.
for bucket, id, _, new in string.gmatch(states, FOUR) do
  redis.call('HSET', states_prefix .. bucket, id, new)
end

local last_suffix, key = nil, nil
for suffix, field, delta in string.gmatch(counts, THREE) do
  if suffix ~= last_suffix then
    last_suffix, key = suffix, counts_prefix .. suffix
  end
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

for partition, _, new in string.gmatch(partitions, THREE) do
  redis.call('HSET', offsets_key, partition, new)
end
return {'ok'}
