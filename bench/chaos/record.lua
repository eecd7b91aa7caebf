-- wrk script of bench/chaos.sh: one line per request, so that latency and failures can be cut into
-- any time window afterwards (wrk itself only reports the whole run).
--
-- Every request carries `X-Request-Id: <thread>.<n>`. The hello jar, the nonstop gateway (its own
-- 502/503 too) and, for its own error pages, nginx (X-Chaos-Id, see chaos.sh) send it back, which
-- matches each response to its request although one wrk thread multiplexes many connections.
-- Written to $CHAOS_OUT.<thread>, space separated:
--   <send time: µs since the epoch> <latency µs> <HTTP status>
-- Latency runs from request() (wrk calls it right before writing the request, then starts its own
-- clock) to response(): wrk's own latency, plus the Lua calls. At the end, done() writes to
-- $CHAOS_OUT.tail what the threads still held: unflushed lines, responses it could not match
-- ("<response time> -1 <status>") and requests never answered ("<send time> -1 0": reset or
-- closed connections, or still in flight when wrk stopped; summarize.py tells them apart by time).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_usec; } chaos_timeval;
int gettimeofday(chaos_timeval *tv, void *tz);
]]
local tv = ffi.new("chaos_timeval")
local function now_us()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000000 + tonumber(tv.tv_usec)
end

-- main state: number the threads, collect what they hold at the end
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

function done(summary, latency, requests)
  local f = assert(io.open(os.getenv("CHAOS_OUT") .. ".tail", "w"))
  for _, t in ipairs(threads) do
    local b = t:get("buf")
    for i = 1, #b do f:write(b[i], "\n") end
    for _, line in pairs(t:get("unmatched")) do f:write(line, "\n") end
    for _, sent in pairs(t:get("pending")) do f:write(string.format("%d -1 0\n", sent)) end
  end
  f:close()
end

-- thread states
local out, pre, post
local n = 0
pending = {}     -- request id -> send time (µs); globals so that done() can read them
buf = {}
unmatched = {}

function init(args)
  out = assert(io.open(os.getenv("CHAOS_OUT") .. "." .. tid, "w"))
  -- the request as wrk would send it, split around the id
  local r = wrk.format(nil, nil, { ["X-Request-Id"] = "\001" })
  pre, post = r:match("^(.-)\001(.*)$")
end

-- wrk calls request() once on the first thread to check the script (script_verify_request) before
-- any connection exists; that request is never sent, so it is not tracked. (Were it sent, its
-- response would show up as unmatched in the summary.)
function request()
  n = n + 1
  local id = tid .. "." .. n
  if n > 1 or tid ~= 1 then pending[id] = now_us() end
  return pre .. id .. post
end

function response(status, headers, body)
  local t = now_us()
  local id = headers["X-Request-Id"] or headers["x-request-id"] or headers["X-Chaos-Id"] or headers["x-chaos-id"]
  local sent = id and pending[id]
  if sent then
    pending[id] = nil
    buf[#buf + 1] = string.format("%d %d %d", sent, t - sent, status)
  else
    unmatched[#unmatched + 1] = string.format("%d -1 %d", t, status)
  end
  if #buf >= 2000 then
    out:write(table.concat(buf, "\n"), "\n")
    out:flush()
    buf = {}
  end
end
