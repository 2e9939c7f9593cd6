-- wrk script: append statements to talk 1 of the demo as a bearer token.
-- Usage: TOKEN=... wrk -s scripts/append.lua http://HOST/api/v1/talks/1/events
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = '{"type":"statement","payload":{"text":"load test statement"}}'

local failed = 0
response = function(status, headers, body)
  if status ~= 201 then failed = failed + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("appended/s: %.0f  p50: %.1f ms  p99: %.1f ms  non-201: %d  errors: %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    failed, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
