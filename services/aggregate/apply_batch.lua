-- Apply one counted batch atomically, or nothing at all.
--
-- ARGV: prefix, generation, must_be_active ('1'/'0'), respect_barrier ('1'/'0'), then
--   n_partitions, n x (partition, expected stored offset or '', new offset),
--   n_states,     n x (bucket, event id, expected value or '', new value),
--   n_tables,     n x (table suffix, n_fields, n_fields x (field, delta)),
--   n_stats,      n x (name, delta),
--   n_dead,       n x (field of P:dlq:counts, delta).
-- Every check runs before the first write, so a refused batch leaves Redis untouched.
-- Returns {'ok'} or {kind, detail} where kind is generation, offset, barrier, state or
-- negative.
local prefix, generation = ARGV[1], ARGV[2]
local base = prefix .. ':g' .. generation .. ':'
local i = 5

if ARGV[3] == '1' then
  local active = redis.call('GET', prefix .. ':agg:generation') or '1'
  if active ~= generation then return {'generation', active} end
end

local offsets_key = base .. 'offsets'
local barrier_key = prefix .. ':barrier'
local n_partitions = tonumber(ARGV[i]); i = i + 1
local partitions_at = i
for _ = 1, n_partitions do
  local partition, expected, new = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local stored = redis.call('HGET', offsets_key, partition) or ''
  if stored ~= expected then return {'offset', partition .. ':' .. stored} end
  if ARGV[4] == '1' then
    local barrier = redis.call('HGET', barrier_key, partition)
    if barrier and tonumber(new) > tonumber(barrier) then
      return {'barrier', partition .. ':' .. barrier}
    end
  end
  i = i + 3
end

local n_states = tonumber(ARGV[i]); i = i + 1
local states_at = i
for _ = 1, n_states do
  local stored = redis.call('HGET', base .. 'e:' .. ARGV[i], ARGV[i + 1]) or ''
  if stored ~= ARGV[i + 2] then return {'state', ARGV[i + 1]} end
  i = i + 4
end

local n_tables = tonumber(ARGV[i]); i = i + 1
local tables_at = i
for _ = 1, n_tables do
  local key = base .. 'c:' .. ARGV[i]
  local n_fields = tonumber(ARGV[i + 1]); i = i + 2
  for _ = 1, n_fields do
    local delta = tonumber(ARGV[i + 1])
    if delta < 0 then
      local stored = tonumber(redis.call('HGET', key, ARGV[i]) or '0')
      if stored + delta < 0 then return {'negative', key .. ' ' .. ARGV[i]} end
    end
    i = i + 2
  end
end

-- All checks passed: write.
i = states_at
for _ = 1, n_states do
  redis.call('HSET', base .. 'e:' .. ARGV[i], ARGV[i + 1], ARGV[i + 3])
  i = i + 4
end

i = tables_at
for _ = 1, n_tables do
  local key = base .. 'c:' .. ARGV[i]
  local n_fields = tonumber(ARGV[i + 1]); i = i + 2
  for _ = 1, n_fields do
    if redis.call('HINCRBY', key, ARGV[i], ARGV[i + 1]) == 0 then
      redis.call('HDEL', key, ARGV[i])
    end
    i = i + 2
  end
end

local stats_key = base .. 'stats'
local n_stats = tonumber(ARGV[i]); i = i + 1
for _ = 1, n_stats do
  redis.call('HINCRBY', stats_key, ARGV[i], ARGV[i + 1])
  i = i + 2
end

local dead_key = prefix .. ':dlq:counts'
local n_dead = tonumber(ARGV[i]); i = i + 1
for _ = 1, n_dead do
  redis.call('HINCRBY', dead_key, ARGV[i], ARGV[i + 1])
  i = i + 2
end

i = partitions_at
for _ = 1, n_partitions do
  redis.call('HSET', offsets_key, ARGV[i], ARGV[i + 2])
  i = i + 3
end
return {'ok'}
