#pragma once

#include <string>

#include "absl/status/status.h"
#include "services/common/redis/reply.h"

// The Lua scripts that make each store write one atomic step in Redis.
//
// A Redis script runs in isolation but does not roll back: a command that
// fails half-way leaves the earlier writes in place. So each script first
// checks everything that could fail (versions, the type of every key it will
// touch) and only then writes, with commands that cannot fail on those keys.

namespace babillard::store::lua {

// The per-event arguments of kPutEvents, in order. A script names them
// $A_UID, $A_EXPECTED... (offsets from the event's first argument).
enum PutArg : int {
  kPutUid,            // the event's uid
  kPutExpected,       // "" any version, "new" must not exist, else the version expected
  kPutEvent,          // the v1.Event, protobuf
  kPutOrganization,   // org
  kPutMunicipality,   // muni
  kPutCategories,     // cats, comma-separated
  kPutStatus,         // the v1.Event.Status number
  kPutStart,          // first start, epoch seconds
  kPutEnd,            // last end of any occurrence, epoch seconds
  kPutRecurring,      // "1" if it recurs
  kPutDuplicateKeys,  // its ical::DuplicateKeys, newline-separated
  kPutUnique,         // "1": refuse the write if another organization's event shares a key
  kPutArgCount,
};
// prefix, maxlen, n, atomic.
inline constexpr int kPutHeadArgs = 4;

// `source` with every $NAME bound: the change stream's fields and kinds
// (change_stream.h), the event statuses, the argument positions above. What
// is sent to Redis (SCRIPT LOAD, EVAL) is this text.
std::string Script(const char* source);

// An error reply as a status: the put and delete scripts' own refusals
// (STALE: ABORTED, EXISTS: ALREADY_EXISTS, DUPLICATE: FAILED_PRECONDITION),
// then Redis's own (redis::ErrorStatus).
absl::Status ScriptError(const redis::Reply& reply);

// Writes N events. ARGV: prefix, maxlen, n, atomic ("1": all or none; "0":
// each event on its own, as when concurrent writes are grouped into one
// call), then per event the kPutArgCount values of PutArg, in that order.
// Returns, per event, {version, kind, cursor}; kind 0 = unchanged (no new
// version, no change entry). Errors ("STALE <uid> <version>", "EXISTS <uid>",
// "DUPLICATE <other uid>", "WRONGTYPE <key>") fail the whole call when
// atomic, else come back as {-1, error, ''} for that event alone.
// idx:dup is one sorted set of "<key>|<uid>", read by prefix (ZRANGEBYLEX).
// An atomic batch must not name a uid twice (checked by the caller).
inline constexpr char kPutEvents[] = R"lua(
local p = ARGV[1]
local maxlen = ARGV[2]
local n = tonumber(ARGV[3])
local atomic = ARGV[4] == '1'
local stream = p .. 'changes'
local dup = p .. 'idx:dup'
local function wrongtype(key, kind)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= kind then return 'WRONGTYPE ' .. key end
end
-- Another organization's event sharing one of the keys in `dk` (an index
-- entry that no longer names a readable event counts: the caller looks).
local function shares_key(uid, org, dk)
  for k in string.gmatch(dk, '[^\n]+') do
    local prefix = k .. '|'
    for _, m in ipairs(redis.call('ZRANGEBYLEX', dup, '[' .. prefix, '(' .. prefix .. '\255')) do
      local other = string.sub(m, #prefix + 1)
      if other ~= uid then
        local okey = p .. 'ev:' .. other
        if wrongtype(okey, 'hash') or redis.call('HGET', okey, 'org') ~= org then return other end
      end
    end
  end
end
local function index_keys(org, muni, cats, status)
  local keys = {p .. 'idx:org:' .. org, p .. 'idx:status:' .. status}
  if muni ~= '' then keys[#keys + 1] = p .. 'idx:muni:' .. muni end
  for cat in string.gmatch(cats, '[^,]+') do keys[#keys + 1] = p .. 'idx:cat:' .. cat end
  return keys
end
-- Every check for one event; returns its plan or an error string. No writes.
local function check(i)
  local a = $HEAD + 1 + i * $PER_EVENT
  local uid, expected, pb = ARGV[a + $A_UID], ARGV[a + $A_EXPECTED], ARGV[a + $A_EVENT]
  local key = p .. 'ev:' .. uid
  local err = wrongtype(key, 'hash')
  if err then return nil, err end
  local cur = redis.call('HMGET', key, 'v', 'org', 'muni', 'cats', 'status', 'pb', 'dk')
  local version = tonumber(cur[1] or '0') or 0
  if expected == 'new' and version > 0 then return nil, 'EXISTS ' .. uid end
  if expected ~= '' and expected ~= 'new' and tonumber(expected) ~= version then
    return nil, 'STALE ' .. uid .. ' ' .. version
  end
  if ARGV[a + $A_UNIQUE] == '1' then
    local other = shares_key(uid, ARGV[a + $A_ORG], ARGV[a + $A_DK])
    if other then return nil, 'DUPLICATE ' .. other end
  end
  local new_keys = index_keys(ARGV[a + $A_ORG], ARGV[a + $A_MUNI], ARGV[a + $A_CATS],
                              ARGV[a + $A_STATUS])
  for _, k in ipairs(new_keys) do
    err = wrongtype(k, 'set')
    if err then return nil, err end
  end
  local old_keys = {}
  if version > 0 then old_keys = index_keys(cur[2] or '', cur[3] or '', cur[4] or '', cur[5] or '') end
  return {uid = uid, key = key, a = a, version = version, same = (cur[6] == pb),
          old_status = cur[5], old_keys = old_keys, new_keys = new_keys, old_dk = cur[7] or ''}
end
-- The writes for one checked event: none of them can fail on checked keys.
local function write(e)
  local a = e.a
  if e.same then return {e.version, 0, ''} end
  for _, k in ipairs(e.old_keys) do redis.call('SREM', k, e.uid) end
  for _, k in ipairs(e.new_keys) do redis.call('SADD', k, e.uid) end
  for k in string.gmatch(e.old_dk, '[^\n]+') do redis.call('ZREM', dup, k .. '|' .. e.uid) end
  for k in string.gmatch(ARGV[a + $A_DK], '[^\n]+') do redis.call('ZADD', dup, 0, k .. '|' .. e.uid) end
  redis.call('ZADD', p .. 'idx:start', ARGV[a + $A_START], e.uid)
  local v = e.version + 1
  redis.call('HSET', e.key, 'v', v, 'pb', ARGV[a + $A_EVENT], 'org', ARGV[a + $A_ORG],
             'muni', ARGV[a + $A_MUNI], 'cats', ARGV[a + $A_CATS], 'status', ARGV[a + $A_STATUS],
             'start', ARGV[a + $A_START], 'end', ARGV[a + $A_END], 'rec', ARGV[a + $A_REC],
             'dk', ARGV[a + $A_DK])
  local kind = $KIND_UPDATED
  if e.version == 0 then
    kind = $KIND_CREATED
  elseif ARGV[a + $A_STATUS] == '$STATUS_CANCELLED' and e.old_status ~= '$STATUS_CANCELLED' then
    kind = $KIND_CANCELLED
  end
  local id = redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', '$F_KIND', kind, '$F_UID', e.uid,
                        '$F_VERSION', v, '$F_EVENT', ARGV[a + $A_EVENT])
  return {v, kind, id}
end
local err = wrongtype(stream, 'stream') or wrongtype(p .. 'idx:start', 'zset') or wrongtype(dup, 'zset')
if err then return redis.error_reply(err) end
local out = {}
if atomic then
  local plan = {}
  for i = 0, n - 1 do
    local e, failure = check(i)
    if not e then return redis.error_reply(failure) end
    plan[#plan + 1] = e
  end
  for _, e in ipairs(plan) do out[#out + 1] = write(e) end
else
  for i = 0, n - 1 do
    local e, failure = check(i)
    if e then out[#out + 1] = write(e) else out[#out + 1] = {-1, failure, ''} end
  end
end
return out
)lua";

// Deletes one event. ARGV: prefix, maxlen, uid, expected ("" any, else the
// version). Returns {version, cursor}; {0, ''} when there was no such event.
inline constexpr char kDeleteEvent[] = R"lua(
local p, maxlen, uid, expected = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = p .. 'ev:' .. uid
local t = redis.call('TYPE', key)['ok']
if t == 'none' then return {0, ''} end
if t ~= 'hash' then return redis.error_reply('WRONGTYPE ' .. key) end
local st = redis.call('TYPE', p .. 'changes')['ok']
if st ~= 'none' and st ~= 'stream' then return redis.error_reply('WRONGTYPE ' .. p .. 'changes') end
local dt = redis.call('TYPE', p .. 'idx:dup')['ok']
if dt ~= 'none' and dt ~= 'zset' then return redis.error_reply('WRONGTYPE ' .. p .. 'idx:dup') end
local cur = redis.call('HMGET', key, 'v', 'org', 'muni', 'cats', 'status', 'pb', 'dk')
local version = tonumber(cur[1] or '0') or 0
if expected ~= '' and tonumber(expected) ~= version then
  return redis.error_reply('STALE ' .. uid .. ' ' .. version)
end
local keys = {p .. 'idx:org:' .. (cur[2] or ''), p .. 'idx:status:' .. (cur[5] or '')}
if cur[3] and cur[3] ~= '' then keys[#keys + 1] = p .. 'idx:muni:' .. cur[3] end
for cat in string.gmatch(cur[4] or '', '[^,]+') do keys[#keys + 1] = p .. 'idx:cat:' .. cat end
for _, k in ipairs(keys) do
  local kt = redis.call('TYPE', k)['ok']
  if kt ~= 'none' and kt ~= 'set' then return redis.error_reply('WRONGTYPE ' .. k) end
end
for _, k in ipairs(keys) do redis.call('SREM', k, uid) end
for k in string.gmatch(cur[7] or '', '[^\n]+') do redis.call('ZREM', p .. 'idx:dup', k .. '|' .. uid) end
redis.call('ZREM', p .. 'idx:start', uid)
redis.call('DEL', key)
local id = redis.call('XADD', p .. 'changes', 'MAXLEN', '~', maxlen, '*', '$F_KIND', $KIND_DELETED,
                      '$F_UID', uid, '$F_VERSION', version + 1, '$F_EVENT', cur[6] or '')
return {version + 1, id}
)lua";

// A page of a sorted set after the entry (score, member), whether or not that
// entry is still there: ARGV key, score, member, limit. Returns ZRANGE ...
// WITHSCORES. Paging by rank instead skips an entry each time an earlier one
// is removed between pages. Entries of equal score are in byte order (as
// Redis sorts them), found by bisection: O(log^2 n) whatever the ties.
inline constexpr char kRangeAfter[] = R"lua(
local key, s, m, limit = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local t = redis.call('TYPE', key)['ok']
if t == 'none' then return {} end
if t ~= 'zset' then return redis.error_reply('WRONGTYPE ' .. key) end
-- Byte order: Lua's own < on strings follows the server's locale.
local function beyond(x)
  for i = 1, math.min(#x, #m) do
    local a, b = string.byte(x, i), string.byte(m, i)
    if a ~= b then return a > b end
  end
  return #x > #m
end
local lo = redis.call('ZCOUNT', key, '-inf', '(' .. s)
local hi = lo + redis.call('ZCOUNT', key, s, s)
while lo < hi do
  local mid = math.floor((lo + hi) / 2)
  if beyond(redis.call('ZRANGE', key, mid, mid)[1]) then hi = mid else lo = mid + 1 end
end
return redis.call('ZRANGE', key, lo, lo + limit - 1, 'WITHSCORES')
)lua";

// Indexes the duplicate keys of events stored before idx:dup existed. ARGV:
// prefix, n, then per event: uid, the version its keys were computed from,
// dk. An event written since (another version) already has its own keys.
// Returns how many were indexed.
inline constexpr char kIndexDuplicateKeys[] = R"lua(
local p, n = ARGV[1], tonumber(ARGV[2])
local dup = p .. 'idx:dup'
local dt = redis.call('TYPE', dup)['ok']
if dt ~= 'none' and dt ~= 'zset' then return redis.error_reply('WRONGTYPE ' .. dup) end
local done = 0
for i = 0, n - 1 do
  local uid, v, dk = ARGV[3 + i * 3], ARGV[4 + i * 3], ARGV[5 + i * 3]
  local key = p .. 'ev:' .. uid
  if redis.call('TYPE', key)['ok'] == 'hash' then
    local cur = redis.call('HMGET', key, 'v', 'dk')
    if cur[1] == v then
      for k in string.gmatch(cur[2] or '', '[^\n]+') do redis.call('ZREM', dup, k .. '|' .. uid) end
      for k in string.gmatch(dk, '[^\n]+') do redis.call('ZADD', dup, 0, k .. '|' .. uid) end
      redis.call('HSET', key, 'dk', dk)
      done = done + 1
    end
  end
end
return done
)lua";

}  // namespace babillard::store::lua
