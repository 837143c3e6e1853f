-- The summary every POST benchmark prints: requests, failures, rate, p50/p95/p99.
-- Loaded with dofile() by intake.lua and dispatch.lua (wrk runs from the repository root).
function done(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx/errors %d, %.0f req/s\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6)))
  for _, p in ipairs({ 50, 95, 99 }) do io.write(string.format("p%d %.2f ms\n", p, latency:percentile(p) / 1000)) end
end
