-- wrk script: random caller-style queries against /v1/kb/search; prints p50/p95/p99.
local queries = {}
local token = os.getenv("TOKEN")

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  for line in io.lines(os.getenv("QUERIES")) do
    local q = line:match("^([^,]+),")
    if q and q ~= "query" then table.insert(queries, urlencode(q)) end
  end
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 1000)
end

function request()
  local q = queries[math.random(#queries)]
  return wrk.format("GET", "/v1/kb/search?limit=10&q=" .. q, { ["Authorization"] = "Bearer " .. token })
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors %d (status %d), %.0f req/s\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests / (summary.duration / 1e6)))
  for _, p in ipairs({ 50, 95, 99 }) do
    io.write(string.format("p%d %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end
