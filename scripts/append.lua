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

local failed = 0
response = function(status, headers, body)
  if status ~= 201 then failed = failed + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("appended/s: %.0f  p50: %.1f ms  p99: %.1f ms  non-201: %d  errors: %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    failed, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
