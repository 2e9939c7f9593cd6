-- wrk script: append statements to talks of the demo as a bearer token.
-- Usage: TOKEN=... TALKS=1,7,8 wrk -s scripts/append.lua http://HOST
-- Requests go to the talks of TALKS in turn (default: talk 1).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = '{"type":"statement","payload":{"text":"load test statement"}}'

local talks = {}
for id in string.gmatch(os.getenv("TALKS") or "1", "%d+") do
  talks[#talks + 1] = id
end
local n = 0

request = function()
  n = n + 1
  return wrk.format(nil, "/api/v1/talks/" .. talks[(n % #talks) + 1] .. "/events")
end

-- Each wrk thread has its own Lua state and done runs in yet another, so a
-- counter kept in response() never reaches done: wrk's own count of
-- statuses above 399 is what says requests failed.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("appended/s: %.0f  p50: %.1f ms  p99: %.1f ms  non-2xx: %d  errors: %d  requests: %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    e.status, e.connect + e.read + e.write + e.timeout, summary.requests))
end
