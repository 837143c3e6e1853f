-- wrk script: POST /v1/tickets/{id}/dispatch (by the routing catalogue) for successive registered
-- tickets starting at START; one thread, so ids never repeat.
local token = os.getenv("TOKEN")
local next_id = tonumber(os.getenv("START") or "1")

function request()
  local id = next_id
  next_id = next_id + 1
  return wrk.format("POST", "/v1/tickets/" .. id .. "/dispatch", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, "{}")
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx/errors %d, %.0f req/s\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6)))
  for _, p in ipairs({ 50, 95, 99 }) do io.write(string.format("p%d %.2f ms\n", p, latency:percentile(p) / 1000)) end
end
