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
-- three characters r) is at or before (hu, hr), calling f on each.
local function zdrop(k, hu, hr, f)
  if f then
    local old = redis.call('ZRANGEBYSCORE', k, '-inf', '(' .. string.format('%d', hu))
    for i = 1, #old do f(old[i]) end
  end
  redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. string.format('%d', hu))
  local edge = redis.call('ZRANGEBYSCORE', k, string.format('%d', hu), string.format('%d', hu))
  for i = 1, #edge do
    if tonumber(string.sub(edge[i], 1, 3)) <= hr then
      redis.call('ZREM', k, edge[i])
      if f then f(edge[i]) end
    end
  end
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
// KEYS: freq, tierset, tiertime, tierclock, pair, bucket, seq.
// ARGV: 1-2 at; 3 user;
// 4 frequency limit (0: off), 5-6 period;
// 7 tier (0: off, <0: count without limit), 8-9 tier window, 10 tier ttl ms;
// 11 pair (0/1), 12-13 interval, 14 burst, 15-16 burst window, 17 idle ms;
// 18 throughput (0: off), 19 its burst, 20 bucket ttl ms.
//
// Returns {ok, refused, retry_u, retry_r, tier_counted, tier_at_u,
// tier_at_r, tier_prev ("" or "u,r"), seq}.
var reserveScript = redis.NewScript(luaTime + `
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
  end
  local hu, hr = tsub(fu, fr, pu, pr)
  zdrop(KEYS[1], hu, hr, nil)
  local n = redis.call('ZCARD', KEYS[1])
  if n >= flimit then
    local e = redis.call('ZRANGE', KEYS[1], n - flimit, n - flimit, 'WITHSCORES')
    local eu, er = tonumber(e[2]), tonumber(string.sub(e[1], 1, 3))
    refuse(1, tadd(eu, er, pu, pr))
  end
end

-- Tier: the budget's clock moves forward even when refused; expire, check.
local tier = tonumber(ARGV[7])
local tnu, tnr, tprev
local wu, wr = tonumber(ARGV[8]), tonumber(ARGV[9])
if tier ~= 0 then
  tnu, tnr = au, ar
  local l = redis.call('GET', KEYS[4])
  if l then
    local lu, lr = pt(l)
    if tlt(tnu, tnr, lu, lr) then tnu, tnr = lu, lr end
  end
  redis.call('SET', KEYS[4], ft(tnu, tnr), 'PX', ARGV[10])
  local hu, hr = tsub(tnu, tnr, wu, wr)
  zdrop(KEYS[2], hu, hr, function(m) redis.call('HDEL', KEYS[3], string.sub(m, 4)) end)
  tprev = redis.call('HGET', KEYS[3], user)
  if not tprev and tier > 0 then
    local n = redis.call('ZCARD', KEYS[2])
    if n >= tier then
      local e = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
      refuse(2, tadd(tonumber(e[2]), tonumber(string.sub(e[1], 1, 3)), wu, wr))
    end
  end
end

-- Pair: PairLimit.Take, check only.
local pairOn = ARGV[11] == '1'
local nu, nr, nbu, nbr, nbc
if pairOn then
  local iu, ir = tonumber(ARGV[12]), tonumber(ARGV[13])
  local pb = tonumber(ARGV[14])
  local bwu, bwr = tonumber(ARGV[15]), tonumber(ARGV[16])
  local h = redis.call('HMGET', KEYS[5], 'until', 'start', 'count')
  local xu, xr = au, ar
  local su, sr, bu, br, bc
  if h[1] then
    su, sr = pt(h[1])
    bu, br = pt(h[2])
    bc = tonumber(h[3])
    if tlt(xu, xr, bu, br) then xu, xr = bu, br end
  end
  if not h[1] or not tlt(xu, xr, su, sr) then
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
local mps = tonumber(ARGV[18])
if refused == 0 and mps > 0 then
  local burst = tonumber(ARGV[19])
  local h = redis.call('HMGET', KEYS[6], 'tokens', 'last', 'clamp', 'rate', 'burst')
  local xu, xr = au, ar
  if h[3] then
    local cu, cr = pt(h[3])
    if tlt(xu, xr, cu, cr) then xu, xr = cu, cr end
  end
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
  local changed = false
  if not h[1] then
    tokens, lim, lb = burst, mps, burst
    changed = true
  else
    tokens = tonumber(h[1])
    lu, lr = pt(h[2])
    lim, lb = tonumber(h[4]), tonumber(h[5])
    if lim ~= mps then
      -- SetLimitAt then SetBurstAt: tokens as of x under the old rate.
      tokens = advance(tokens, lu, lr, lim, lb)
      lu, lr = xu, xr
      lim, lb = mps, burst
      changed = true
    end
  end
  local adv = advance(tokens, lu, lr, lim, lb)
  local t = adv - 1
  local ok = t >= 0 or ((-t) / lim) * 1e9 < 1
  if ok then
    tokens, lu, lr, changed = t, xu, xr, true
  else
    local d = math.ceil((1 - adv) * 1e9 / lim)
    local dr = math.fmod(d, 1000)
    refuse(4, tadd(xu, xr, (d - dr) / 1000, dr))
  end
  if changed then
    local last = ''
    if lu ~= nil then last = ft(lu, lr) end
    redis.call('HSET', KEYS[6], 'tokens', string.format('%.17g', tokens), 'last', last,
      'rate', string.format('%d', lim), 'burst', string.format('%d', lb))
  end
  redis.call('HSET', KEYS[6], 'clamp', ft(xu, xr))
  redis.call('PEXPIRE', KEYS[6], ARGV[20])
end

if refused ~= 0 then
  return {0, refused, ru, rr, 0, 0, 0, '', 0}
end

-- Everything admitted: count.
local counted, tau, tar, prev = 0, 0, 0, ''
if tier ~= 0 then
  counted, tau, tar = 1, tnu, tnr
  if tprev then
    prev = tprev
    local pu2, pr2 = pt(tprev)
    if tlt(pu2, pr2, tnu, tnr) then
      redis.call('ZREM', KEYS[2], r3(pr2) .. user)
      redis.call('ZADD', KEYS[2], string.format('%d', tnu), r3(tnr) .. user)
      redis.call('HSET', KEYS[3], user, ft(tnu, tnr))
    else
      tau, tar = pu2, pr2
    end
  else
    redis.call('ZADD', KEYS[2], string.format('%d', tnu), r3(tnr) .. user)
    redis.call('HSET', KEYS[3], user, ft(tnu, tnr))
  end
  redis.call('PEXPIRE', KEYS[2], ARGV[10])
  redis.call('PEXPIRE', KEYS[3], ARGV[10])
end
if pairOn then
  redis.call('HSET', KEYS[5], 'until', ft(nu, nr), 'start', ft(nbu, nbr), 'count', string.format('%d', nbc))
  -- Kept until the debt is paid, and then for the idle time.
  extend(KEYS[5], (nu - au) / 1000 + tonumber(ARGV[17]))
end
local seq = 0
if flimit > 0 then
  seq = redis.call('INCR', KEYS[7])
  redis.call('ZADD', KEYS[1], string.format('%d', fu), r3(fr) .. string.format('%016x', seq))
  extend(KEYS[1], (fu - au) / 1000 + (pu + 3600000000) / 1000)
end
return {1, 0, 0, 0, counted, tau, tar, prev, seq}
`)

// releaseScript implements Store.Release.
//
// KEYS: freq, tierset, tiertime, tierclock.
// ARGV: 1 user; 2 tier counted (0/1); 3 tier at "u,r"; 4 tier prev ("" or
// "u,r"); 5-6 tier window; 7 seq (0: none, else its 16 hex digits).
var releaseScript = redis.NewScript(luaTime + `
local user = ARGV[1]
if ARGV[2] == '1' and redis.call('HGET', KEYS[3], user) == ARGV[3] then
  local au, ar = pt(ARGV[3])
  local lu, lr = pt(redis.call('GET', KEYS[4]) or ARGV[3])
  local hu, hr = tsub(lu, lr, tonumber(ARGV[5]), tonumber(ARGV[6]))
  redis.call('ZREM', KEYS[2], r3(ar) .. user)
  if ARGV[4] == '' then
    redis.call('HDEL', KEYS[3], user)
  else
    local pu, pr = pt(ARGV[4])
    if tlt(hu, hr, pu, pr) then
      redis.call('ZADD', KEYS[2], string.format('%d', pu), r3(pr) .. user)
      redis.call('HSET', KEYS[3], user, ARGV[4])
    else
      redis.call('HDEL', KEYS[3], user)
    end
  end
end
if ARGV[7] ~= '0' then
  local recs = redis.call('ZRANGE', KEYS[1], 0, -1)
  for i = 1, #recs do
    if string.sub(recs[i], 4) == ARGV[7] then
      redis.call('ZREM', KEYS[1], recs[i])
      break
    end
  end
end
return 1
`)

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

// retention is how long a pair's windows are kept once nothing in them is
// open or pending (the Store contract allows forgetting after 24 hours).
const retention = 24 * time.Hour

func micros(d time.Duration) string { return strconv.FormatInt(int64(d/time.Microsecond), 10) }
