-- wrk script: POST /v1/tickets with varied bodies and a unique Idempotency-Key per request.
local token = os.getenv("TOKEN")
local counter = 0
local thread_id = 0
local hotlines = { "12345", "12345", "12345", "12315", "12333", "12319", "12329" }
local regions = { "330102001", "330102002", "330105001", "330106001", "330106002", "330102", "330105", "330106" }
local titles = { "路灯不亮", "噪音扰民", "拖欠工资", "物业不作为", "占道经营", "燃气泄漏", "公交线路", "社保卡补办" }

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function request()
  counter = counter + 1
  local i = counter
  local t = titles[(i % #titles) + 1]
  local body = string.format('{"hotline_number":"%s","channel":"phone","nature":"complaint","category_code":"市政设施/路灯","region_code":"%s","title":"%s %d","content":"%s，地点西溪路%d号，已经好几天了，请尽快处理。","caller":{"name":"王先生","phone":"139%08d"}}',
    hotlines[(i % #hotlines) + 1], regions[(i % #regions) + 1], t, i, t, i % 500, (tid or 0) * 10000000 + i)
  return wrk.format("POST", "/v1/tickets", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("bench-%d-%d-%d", tid or 0, os.time(), i),
  }, body)
end

dofile("scripts/bench/summary.lua")
