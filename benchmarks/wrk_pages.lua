-- wrk script for `make loadtest` (benchmarks/loadtest.py): each request a random path from the
-- file named by ROUNDS_WRK_PATHS (one a line), or "/login/" when it is unset; at the end one
-- JSON line of figures for loadtest.py to read.
local paths = {}

function init(args)
  local name = os.getenv("ROUNDS_WRK_PATHS")
  if name then
    for line in io.lines(name) do
      if #line > 0 then paths[#paths + 1] = line end
    end
  end
  if #paths == 0 then paths[1] = "/login/" end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
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
