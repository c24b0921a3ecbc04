package redisstore

import (
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/wacloud/whatsapp"
)

// The scripts. Each call of one is atomic on the server: a check and its
// update never interleave with another client's. All keys a script touches
// are passed in KEYS (Redis Cluster routes and checks them).
//
// Times are pairs (u, r): microseconds and leftover nanoseconds (see
// keys.go). Lua numbers are float64, so every integer stays below 2^53,
// and numbers are formatted with %d (tostring would round to 14 digits).

// luaTime holds the helpers every script starts with.
const luaTime = `
local function tlt(au, ar, bu, br) return au < bu or (au == bu and ar < br) end
local function tadd(u, r, du, dr)
  u, r = u + du, r + dr
  if r >= 1000 then u, r = u + 1, r - 1000 end
  return u, r
end
local function tsub(u, r, du, dr)
  u, r = u - du, r - dr
  if r < 0 then u, r = u - 1, r + 1000 end
  return u, r
end
local function pt(s)
  if not s or s == '' then return nil, nil end
  local i = string.find(s, ',', 1, true)
  return tonumber(string.sub(s, 1, i - 1)), tonumber(string.sub(s, i + 1))
end
local function ft(u, r) return string.format('%d,%d', u, r) end
local function r3(r) return string.format('%03d', r) end
-- zdrop removes the members of sorted set k whose time (score u, first
-- three characters r) is at or before (hu, hr), calling f on each (f may
-- be nil). It reports whether k is empty afterwards. Usually nothing is
-- due: one call.
local function zdrop(k, hu, hr, f)
  local e = redis.call('ZRANGE', k, 0, 0, 'WITHSCORES')
  if #e == 0 then return true end
  local eu = tonumber(e[2])
  if eu > hu or (eu == hu and tonumber(string.sub(e[1], 1, 3)) > hr) then return false end
  local h = string.format('%d', hu)
  if eu < hu then
    if f then
      local old = redis.call('ZRANGEBYSCORE', k, '-inf', '(' .. h)
      for i = 1, #old do f(old[i]) end
    end
    redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. h)
  end
  local edge = redis.call('ZRANGEBYSCORE', k, h, h)
  for i = 1, #edge do
    if tonumber(string.sub(edge[i], 1, 3)) <= hr then
      redis.call('ZREM', k, edge[i])
      if f then f(edge[i]) end
    end
  end
  return redis.call('EXISTS', k) == 0
end
-- extend sets k's time to live to at least ms milliseconds.
local function extend(k, ms)
  ms = math.max(math.ceil(ms), 1000)
  local p = redis.call('PTTL', k)
  if p >= 0 and p >= ms then return end
  redis.call('PEXPIRE', k, string.format('%d', ms))
end
`

// reserveScript implements Store.Reserve. It mirrors MemoryStore.Reserve
// step for step: check frequency, tier and pair without counting; if all
// admit, take a throughput token; if that admits too, count everything.
//
// KEYS: freq, tierset, tiertime, pair, bucket, seq.
// ARGV: 1-2 at; 3 user;
// 4 frequency limit (0: off), 5-6 period;
// 7 tier (0: off, <0: count without limit);
// 8 pair (0/1), 9-10 interval, 11 burst, 12-13 burst window;
// 14 throughput (0: off), 15 its burst.
// The fixed durations are written into the text (see constants).
//
// The tier's keys: tierset, a sorted set of the counting users by time
// (member: three digits of nanoseconds, then the user); tiertime, a hash
// of each user's time (field ":" + user), the budget's clock (field
// "clock": time never goes back) and when the keys' time to live was last
// renewed (field "renewed", in the budget's microseconds: once an hour of
// its time, not on every call), and a lower bound of the earliest time in
// the set (field "min": while it is inside the 24 hours, nothing is due
// and the set is not read). A pair's limit state and a number's bucket are
// strings of packed doubles (struct.pack: cheaper than formatting and
// parsing text), set with their time to live: one call each way.
//
// Each redis.call costs a few microseconds of the server's time (more
// than the Lua around it): the common path makes seven.
//
// Returns {ok, refused, retry_u, retry_r, tier_counted, tier_at_u,
// tier_at_r, tier_prev ("" or "u,r"), seq}.
var reserveScript = redis.NewScript(luaTime + reserveLua)

var reserveLua = constants.Replace(`
local au, ar = tonumber(ARGV[1]), tonumber(ARGV[2])
local user = ARGV[3]
local refused, ru, rr = 0, nil, nil
local function refuse(q, u, r)
  if refused == 0 then refused = q end
  if ru == nil or tlt(ru, rr, u, r) then ru, rr = u, r end
end

-- Frequency: check only. The new record's time never goes back.
local flimit = tonumber(ARGV[4])
local fu, fr
local pu, pr = tonumber(ARGV[5]), tonumber(ARGV[6])
if flimit > 0 then
  fu, fr = au, ar
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if #last > 0 then
    local lu, lr = tonumber(last[2]), tonumber(string.sub(last[1], 1, 3))
    if tlt(fu, fr, lu, lr) then fu, fr = lu, lr end
    local hu, hr = tsub(fu, fr, pu, pr)
    zdrop(KEYS[1], hu, hr, nil)
    local n = redis.call('ZCARD', KEYS[1])
    if n >= flimit then
      local e = redis.call('ZRANGE', KEYS[1], n - flimit, n - flimit, 'WITHSCORES')
      local eu, er = tonumber(e[2]), tonumber(string.sub(e[1], 1, 3))
      refuse(1, tadd(eu, er, pu, pr))
    end
  end
end

-- Tier: the budget's clock moves forward even when refused; expire, check.
-- The field "min" is a lower bound of the earliest time in the set: while
-- it is inside the 24 hours, nothing is due and the set is not read.
local tier = tonumber(ARGV[7])
local tnu, tnr, tprev, tclock, trenew, tempty, tmin
local wu, wr = tonumber(TW_U), tonumber(TW_R)
if tier ~= 0 then
  local h = redis.call('HMGET', KEYS[3], 'clock', 'renewed', ':' .. user, 'min')
  tnu, tnr, tclock = au, ar, true
  if h[1] then
    local lu, lr = pt(h[1])
    if not tlt(lu, lr, au, ar) then tnu, tnr, tclock = lu, lr, false end
  end
  trenew = not h[2] or tnu - tonumber(h[2]) >= tonumber(TIER_RENEW)
  local hu, hr = tsub(tnu, tnr, wu, wr)
  local due = true
  if h[4] then
    local mu, mr = pt(h[4])
    due = not tlt(hu, hr, mu, mr)
  end
  tprev = h[3]
  tempty = false
  if due then
    local dropped = false
    tempty = zdrop(KEYS[2], hu, hr, function(m)
      redis.call('HDEL', KEYS[3], ':' .. string.sub(m, 4))
      dropped = true
    end)
    if not tempty then
      local e = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
      tmin = ft(tonumber(e[2]), tonumber(string.sub(e[1], 1, 3)))
    end
    if tprev and dropped then tprev = redis.call('HGET', KEYS[3], ':' .. user) end
  end
  if not tprev and tier > 0 then
    local n = redis.call('ZCARD', KEYS[2])
    if n >= tier then
      local e = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
      refuse(2, tadd(tonumber(e[2]), tonumber(string.sub(e[1], 1, 3)), wu, wr))
    end
  end
end

-- Pair: PairLimit.Take, check only.
local pairOn = ARGV[8] == '1'
local nu, nr, nbu, nbr, nbc
if pairOn then
  local iu, ir = tonumber(ARGV[9]), tonumber(ARGV[10])
  local pb = tonumber(ARGV[11])
  local bwu, bwr = tonumber(ARGV[12]), tonumber(ARGV[13])
  -- The state is five big-endian doubles: until (u, r), burst start
  -- (u, r), burst count.
  local v = redis.call('GET', KEYS[4])
  local xu, xr = au, ar
  local su, sr, bu, br, bc
  if v then
    su, sr, bu, br, bc = struct.unpack('>ddddd', v)
    if tlt(xu, xr, bu, br) then xu, xr = bu, br end
  end
  if not v or not tlt(xu, xr, su, sr) then
    -- No debt: a new burst begins.
    nu, nr = tadd(xu, xr, iu, ir)
    nbu, nbr, nbc = xu, xr, 1
  else
    local eu, er = tadd(bu, br, bwu, bwr)
    if tlt(xu, xr, eu, er) and bc < pb then
      nu, nr = tadd(su, sr, iu, ir)
      nbu, nbr, nbc = bu, br, bc + 1
    else
      refuse(3, su, sr)
    end
  end
end

-- Throughput: golang.org/x/time/rate's arithmetic, step for step, so that
-- the result is the MemoryStore's to the last bit.
local mps = tonumber(ARGV[14])
if refused == 0 and mps > 0 then
  local burst = tonumber(ARGV[15])
  -- The bucket is eight big-endian doubles: the limiter's tokens, whether
  -- it has a time (else: the zero time) and the time (u, r), the latest
  -- time seen (u, r), the rate and the burst. Doubles keep the tokens
  -- exact.
  local v = redis.call('GET', KEYS[5])
  local t0, has, l0u, l0r, cu, cr, lim0, lb0
  if v then t0, has, l0u, l0r, cu, cr, lim0, lb0 = struct.unpack('>dddddddd', v) end
  local xu, xr = au, ar
  if v and tlt(xu, xr, cu, cr) then xu, xr = cu, cr end
  -- advance: the tokens at x, from tokens at (lu, lr) (nil: the zero time).
  local function advance(tokens, lu, lr, lim, lb)
    if lu == nil then return lb end
    if tlt(xu, xr, lu, lr) then lu, lr = xu, xr end
    local du = xu - lu
    if du > 2000000 then
      -- Two seconds or more refill any bucket (its burst is at most a
      -- second's worth): Go's sum is over the burst, so capped to it.
      return lb
    end
    local ns = du * 1000 + (xr - lr)
    local nsec = math.fmod(ns, 1e9)
    local sec = (ns - nsec) / 1e9
    local t = tokens + (sec + nsec / 1e9) * lim
    if t > lb then t = lb end
    return t
  end
  local tokens, lu, lr, lim, lb
  if not v then
    tokens, lim, lb = burst, mps, burst
  else
    tokens, lim, lb = t0, lim0, lb0
    if has == 1 then lu, lr = l0u, l0r end
    if lim ~= mps then
      -- SetLimitAt then SetBurstAt: tokens as of x under the old rate.
      tokens = advance(tokens, lu, lr, lim, lb)
      lu, lr = xu, xr
      lim, lb = mps, burst
    end
  end
  local adv = advance(tokens, lu, lr, lim, lb)
  local t = adv - 1
  if t >= 0 or ((-t) / lim) * 1e9 < 1 then
    tokens, lu, lr = t, xu, xr
  else
    local d = math.ceil((1 - adv) * 1e9 / lim)
    local dr = math.fmod(d, 1000)
    refuse(4, tadd(xu, xr, (d - dr) / 1000, dr))
  end
  local has1 = 1
  if lu == nil then has1, lu, lr = 0, 0, 0 end
  redis.call('SET', KEYS[5], struct.pack('>dddddddd', tokens, has1, lu, lr, xu, xr, lim, lb), 'PX', BUCKET_TTL)
end

-- The tier's clock and lifetime, counted or not.
local tfields = {}
if tier ~= 0 then
  if tclock then
    tfields[#tfields + 1] = 'clock'
    tfields[#tfields + 1] = ft(tnu, tnr)
  end
  if trenew then
    tfields[#tfields + 1] = 'renewed'
    tfields[#tfields + 1] = string.format('%d', tnu)
  end
  if tmin then
    tfields[#tfields + 1] = 'min'
    tfields[#tfields + 1] = tmin
  end
end

if refused ~= 0 then
  if #tfields > 0 then redis.call('HSET', KEYS[3], unpack(tfields)) end
  if trenew then
    redis.call('PEXPIRE', KEYS[3], TIER_TTL)
    redis.call('PEXPIRE', KEYS[2], TIER_TTL)
  end
  return {0, refused, ru, rr, 0, 0, 0, '', 0}
end

-- Everything admitted: count.
local counted, tau, tar, prev = 0, 0, 0, ''
if tier ~= 0 then
  counted, tau, tar = 1, tnu, tnr
  local add = true
  if tprev then
    prev = tprev
    local pu2, pr2 = pt(tprev)
    if tlt(pu2, pr2, tnu, tnr) then
      redis.call('ZREM', KEYS[2], r3(pr2) .. user)
    else
      tau, tar, add = pu2, pr2, false
    end
  end
  if add then
    redis.call('ZADD', KEYS[2], string.format('%d', tnu), r3(tnr) .. user)
    tfields[#tfields + 1] = ':' .. user
    tfields[#tfields + 1] = ft(tnu, tnr)
    if tempty then
      tfields[#tfields + 1] = 'min'
      tfields[#tfields + 1] = ft(tnu, tnr)
    end
  end
  if #tfields > 0 then redis.call('HSET', KEYS[3], unpack(tfields)) end
  if trenew or (add and tempty) then redis.call('PEXPIRE', KEYS[2], TIER_TTL) end
  if trenew then redis.call('PEXPIRE', KEYS[3], TIER_TTL) end
end
if pairOn then
  -- Kept until the debt is paid, and then for the idle time.
  redis.call('SET', KEYS[4], struct.pack('>ddddd', nu, nr, nbu, nbr, nbc),
    'PX', string.format('%d', math.ceil((nu - au) / 1000 + IDLE_MS)))
end
local seq = 0
if flimit > 0 then
  seq = redis.call('INCR', KEYS[6])
  redis.call('ZADD', KEYS[1], string.format('%d', fu), r3(fr) .. string.format('%016x', seq))
  -- Kept an hour past the period of the newest record.
  redis.call('PEXPIRE', KEYS[1], string.format('%d', math.ceil((fu - au + pu) / 1000) + 3600000))
end
return {1, 0, 0, 0, counted, tau, tar, prev, seq}
`)

// releaseScript implements Store.Release.
//
// KEYS: freq, tierset, tiertime.
// ARGV: 1 user; 2 tier counted (0/1); 3 tier at "u,r"; 4 tier prev ("" or
// "u,r"); 5 seq (0: none, else its 16 hex digits).
var releaseScript = redis.NewScript(luaTime + constants.Replace(`
local user = ARGV[1]
if ARGV[2] == '1' then
  local h = redis.call('HMGET', KEYS[3], ':' .. user, 'clock', 'min')
  if h[1] == ARGV[3] then
    local au, ar = pt(ARGV[3])
    local lu, lr = pt(h[2] or ARGV[3])
    local hu, hr = tsub(lu, lr, TW_U, TW_R)
    redis.call('ZREM', KEYS[2], r3(ar) .. user)
    local pu, pr = pt(ARGV[4])
    if pu ~= nil and tlt(hu, hr, pu, pr) then
      redis.call('ZADD', KEYS[2], string.format('%d', pu), r3(pr) .. user)
      local mu, mr = pt(h[3])
      if mu ~= nil and tlt(pu, pr, mu, mr) then
        -- "min" stays a lower bound of the earliest time.
        redis.call('HSET', KEYS[3], ':' .. user, ARGV[4], 'min', ARGV[4])
      else
        redis.call('HSET', KEYS[3], ':' .. user, ARGV[4])
      end
    elseif redis.call('EXISTS', KEYS[2]) == 1 then
      redis.call('HDEL', KEYS[3], ':' .. user)
    else
      -- The set is gone with its last user: the next Reserve makes it
      -- anew, with its time to live.
      redis.call('HDEL', KEYS[3], ':' .. user, 'min')
    end
  end
end
if ARGV[5] ~= '0' then
  local recs = redis.call('ZRANGE', KEYS[1], 0, -1)
  for i = 1, #recs do
    if string.sub(recs[i], 4) == ARGV[5] then
      redis.call('ZREM', KEYS[1], recs[i])
      break
    end
  end
end
return 1
`))

// recordScript implements Store.Record for one fact.
//
// KEYS[1]: the fact's key (window, user, level or template log); KEYS[2]:
// the template's sequence counter.
// ARGV: 1 kind; 2-3 at; 4 on (0/1); 5 value; 6 detail.
var recordScript = redis.NewScript(luaTime + recordLua)

var recordLua = strings.NewReplacer(
	"WINDOW", micros(whatsapp.WindowDuration),
	"REPLY", micros(whatsapp.EntryPointReplyDeadline),
	"FEP", micros(whatsapp.EntryPointWindowDuration),
	"IDLE", micros(retention),
	"MAXEVENTS", strconv.Itoa(whatsapp.MaxTemplateEvents),
	"KUSER", strconv.Itoa(int(whatsapp.FactUserMessage)),
	"KREFERRAL", strconv.Itoa(int(whatsapp.FactReferral)),
	"KREPLY", strconv.Itoa(int(whatsapp.FactReply)),
	"KOPTIN", strconv.Itoa(int(whatsapp.FactOptIn)),
	"KOPTOUT", strconv.Itoa(int(whatsapp.FactMarketingOptOut)),
	"KLIMITED", strconv.Itoa(int(whatsapp.FactMarketingLimited)),
	"KTIER", strconv.Itoa(int(whatsapp.FactTier)),
	"KTHROUGHPUT", strconv.Itoa(int(whatsapp.FactThroughput)),
	"KTEMPLATE", strconv.Itoa(int(whatsapp.FactTemplate)),
).Replace(`
local kind = tonumber(ARGV[1])
local au, ar = tonumber(ARGV[2]), tonumber(ARGV[3])
local k = KEYS[1]

-- latest: a value with a time; the later time wins, on equal times the
-- value recorded last.
local function latest(field, v)
  local old = redis.call('HGET', k, field)
  if old then
    local i = string.find(old, ',', 1, true)
    local j = string.find(old, ',', i + 1, true)
    local ou, orr = tonumber(string.sub(old, i + 1, j - 1)), tonumber(string.sub(old, j + 1))
    if tlt(au, ar, ou, orr) then return end
  end
  redis.call('HSET', k, field, v .. ',' .. ft(au, ar))
end

if kind == KUSER or kind == KREFERRAL or kind == KREPLY then
  local h = redis.call('HMGET', k, 'last', 'referral', 'opened')
  local mu, mr = pt(h[1])
  local fu, fr = pt(h[2])
  local ou, orr = pt(h[3])
  -- opened: a window was opened for the current referral.
  local opened = ou ~= nil and (fu == nil or not tlt(ou, orr, fu, fr))
  local field, nu2, nr2
  if kind == KUSER then
    if mu == nil or tlt(mu, mr, au, ar) then field = 'last' end
  elseif kind == KREFERRAL then
    if fu == nil or tlt(fu, fr, au, ar) then
      local closed = true
      if opened then
        local cu, cr = tadd(ou, orr, FEP, 0)
        closed = not tlt(au, ar, cu, cr)
      end
      if closed then field = 'referral' end
    end
  else
    if fu ~= nil then
      if not opened then
        local du, dr = tadd(fu, fr, REPLY, 0)
        if not tlt(au, ar, fu, fr) and tlt(au, ar, du, dr) then field = 'opened' end
      elseif not tlt(au, ar, fu, fr) and tlt(au, ar, ou, orr) then
        field = 'opened'
      end
    end
  end
  if not field then return 0 end
  redis.call('HSET', k, field, ft(au, ar))
  if field == 'last' then mu, mr = au, ar elseif field == 'referral' then fu, fr = au, ar else ou, orr = au, ar end
  -- Kept while a window is open or may open, then for the idle time.
  local eu = au
  if mu ~= nil then eu = math.max(eu, mu + WINDOW) end
  if fu ~= nil then eu = math.max(eu, fu + REPLY) end
  if ou ~= nil then eu = math.max(eu, ou + FEP) end
  extend(k, (eu - au + IDLE) / 1000)
  return 1
elseif kind == KOPTIN then
  latest('optin', ARGV[4])
elseif kind == KOPTOUT then
  latest('optout', ARGV[4])
elseif kind == KLIMITED then
  local old = redis.call('HGET', k, 'limited')
  local lu, lr = pt(old)
  if lu == nil or tlt(lu, lr, au, ar) then redis.call('HSET', k, 'limited', ft(au, ar)) end
elseif kind == KTIER or kind == KTHROUGHPUT then
  local old = redis.call('HGET', k, 'at')
  local lu, lr = pt(old)
  if lu == nil or not tlt(au, ar, lu, lr) then redis.call('HSET', k, 'value', ARGV[5], 'at', ft(au, ar)) end
elseif kind == KTEMPLATE then
  local ev = ARGV[5]
  local body = string.format('%d', #ev) .. ':' .. ev .. ARGV[6]
  -- A redelivered event (same event, detail and time) is logged once.
  local same = redis.call('ZRANGEBYSCORE', k, string.format('%d', au), string.format('%d', au))
  for i = 1, #same do
    if string.sub(same[i], 1, 3) == r3(ar) and string.sub(same[i], 20) == body then return 0 end
  end
  local seq = redis.call('INCR', KEYS[2])
  redis.call('ZADD', k, string.format('%d', au), r3(ar) .. string.format('%016x', seq) .. body)
  local n = redis.call('ZCARD', k)
  if n > MAXEVENTS then redis.call('ZREMRANGEBYRANK', k, 0, n - MAXEVENTS - 1) end
end
return 1
`)

// constants are the fixed numbers of the scripts, written into their text
// rather than passed with every call.
var constants = strings.NewReplacer(
	"TW_U", micros(whatsapp.TierWindow),
	"TW_R", "0",
	"TIER_TTL", strconv.FormatInt(TierBudgetTTL.Milliseconds(), 10),
	"TIER_RENEW", micros(tierRenew),
	"IDLE_MS", strconv.FormatInt(retention.Milliseconds(), 10),
	"BUCKET_TTL", strconv.FormatInt(BucketTTL.Milliseconds(), 10),
)

// retention is how long a pair's windows are kept once nothing in them is
// open or pending (the Store contract allows forgetting after 24 hours).
const retention = 24 * time.Hour

func micros(d time.Duration) string { return strconv.FormatInt(int64(d/time.Microsecond), 10) }
