-- wrk script: each request takes a random line "TOKEN PATH" from $PATHS; prints p50/p95/p99.
-- With AUTH=cookie the token is a workbench session (the hotline_session cookie), not a bearer token.
local lines = {}

function init(args)
  for line in io.lines(os.getenv("PATHS")) do
    local token, path = line:match("^(%S+)%s+(%S+)$")
    if token then table.insert(lines, { token, path }) end
  end
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 1000)
end

local cookie = os.getenv("AUTH") == "cookie"

function request()
  local l = lines[math.random(#lines)]
  if cookie then return wrk.format("GET", l[2], { ["Cookie"] = "hotline_session=" .. l[1] }) end
  return wrk.format("GET", l[2], { ["Authorization"] = "Bearer " .. l[1] })
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors %d (status %d), %.0f req/s\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests / (summary.duration / 1e6)))
  for _, p in ipairs({ 50, 95, 99 }) do
    io.write(string.format("p%d %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end
