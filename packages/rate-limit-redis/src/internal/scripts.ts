// The Lua scripts that keep the shared budget. Each runs atomically on the Redis server and reads the time
// from Redis (`TIME`), so the processes' clocks never need to agree: every duration is relative.
//
// Keys (one hash tag, so a Redis Cluster keeps them on one node):
// - slots:  sorted set, one member per request of the last window, scored with the time it stops counting:
//           completion + window, or (while running) admission + lease + window;
// - pause:  the time before which nobody may send (a server pause seen by any process);
// - procs:  sorted set of the processes seen in the last window (their share if Redis goes away).

const now = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

const register = `
redis.call('ZADD', KEYS[3], now, proc)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
redis.call('PEXPIRE', KEYS[3], window * 2)
local procs = redis.call('ZCARD', KEYS[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local used = redis.call('ZCARD', KEYS[1])
local pause = tonumber(redis.call('GET', KEYS[2]) or '0') - now
if pause < 0 then pause = 0 end
`

/**
 * admit(slots, pause, procs; member, proc, limit, window, lease) → {admitted 0/1, wait ms, used, procs}.
 * Admits when fewer than `limit` requests count in the window and no pause is in force; otherwise says how
 * long to wait before asking again (the earliest slot's end, at most a window: a running slot frees no earlier
 * than a window after it completes).
 */
export const admit = `${now}
local proc = ARGV[2]
local limit = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local lease = tonumber(ARGV[5])
${register}
if pause > 0 then return {0, pause, used, procs} end
if used < limit then
  redis.call('ZADD', KEYS[1], now + lease + window, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], lease + window)
  return {1, 0, used + 1, procs}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, math.min(tonumber(first[2]), now + window) - now, used, procs}
`

/** complete(slots; member, window): the request is done; it counts for one more window from now. */
export const complete = `${now}
local window = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + window, ARGV[1])
if redis.call('PTTL', KEYS[1]) < window then redis.call('PEXPIRE', KEYS[1], window) end
return 1
`

/**
 * record(slots, pause, procs; proc, window, lease, [member, remaining ms (-1: running)]...) → {used, procs, pause}.
 * A heartbeat (no members), or the requests a process sent while Redis was away (or is mirroring), so the
 * shared count includes them before anyone spends the shared budget again.
 */
export const record = `${now}
local proc = ARGV[1]
local window = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
for i = 4, #ARGV, 2 do
  local remaining = tonumber(ARGV[i + 1])
  if remaining < 0 then remaining = lease + window end
  if remaining > 0 then redis.call('ZADD', KEYS[1], now + remaining, ARGV[i]) end
end
if #ARGV >= 4 and redis.call('PTTL', KEYS[1]) < lease + window then redis.call('PEXPIRE', KEYS[1], lease + window) end
${register}
return {used, procs, pause}
`

/** pause(pause; ms): nobody sends for `ms` from now (a longer pause already set is kept). */
export const pause = `${now}
local ms = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + ms > current then redis.call('SET', KEYS[1], now + ms, 'PX', ms) end
return 1
`
