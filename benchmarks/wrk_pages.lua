-- wrk script for `make loadtest` (benchmarks/loadtest.py). Each request is a random path from
-- the file named by ROUNDS_WRK_PATHS (one a line), or "/login/" when it is unset. Optional:
--   ROUNDS_WRK_THINK="MIN,MAX"  each connection is a user who waits MIN..MAX ms (uniform) after
--                               each answer before the next request (wrk's delay()); without
--                               it connections send at once (a saturation run)
--   ROUNDS_WRK_COOKIE="..."     a Cookie header on every request (a logged-in organizer)
-- At the end one JSON line of figures for loadtest.py to read.
local paths = {}
local think_min, think_max = nil, nil

function init(args)
  local name = os.getenv("ROUNDS_WRK_PATHS")
  if name then
    for line in io.lines(name) do
      if #line > 0 then paths[#paths + 1] = line end
    end
  end
  if #paths == 0 then paths[1] = "/login/" end
  local think = os.getenv("ROUNDS_WRK_THINK")
  if think then
    local low, high = think:match("^(%d+),(%d+)$")
    think_min, think_max = tonumber(low), tonumber(high)
  end
  local cookie = os.getenv("ROUNDS_WRK_COOKIE")
  if cookie then wrk.headers["Cookie"] = cookie end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

if os.getenv("ROUNDS_WRK_THINK") then
  -- Defined only with a think time: wrk paces every connection once delay() exists.
  function delay()
    return math.random(think_min, think_max)
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'ROUNDS_WRK {"requests": %d, "seconds": %.3f, "p50_ms": %.1f, "p95_ms": %.1f, ' ..
    '"p99_ms": %.1f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
