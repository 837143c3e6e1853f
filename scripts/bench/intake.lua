-- wrk script: POST /v1/tickets as a bad day's calls arrive — every request a new caller (phone)
-- with its own Idempotency-Key, mixed hotlines, channels, natures, categories, regions and texts.
local token = os.getenv("TOKEN")
local counter = 0
local thread_id = 0
local hotlines = { "12345", "12345", "12345", "12315", "12333", "12319", "12329", "12369" }
local channels = { "phone", "phone", "phone", "wechat", "app", "web", "sms" }
local natures = { "complaint", "complaint", "help", "consult", "report", "suggestion" }
local regions = { "330102001", "330102002", "330105001", "330106001", "330106002", "330102", "330105", "330106" }
local cases = {
  { "市政设施/路灯", "路灯不亮", "小区门口的路灯坏了一个多星期，晚上很黑，老人出门不方便" },
  { "环境保护/噪音", "噪音扰民", "楼下饭店的排风机整夜轰鸣，凌晨两点还在响，影响休息" },
  { "劳动保障/欠薪", "拖欠工资", "装修公司拖欠三个月工资共一万二千元，老板电话不接" },
  { "城市管理/占道经营", "占道经营", "早市摊贩占用人行道和盲道，行人只能走机动车道" },
  { "市场监管/消费投诉", "超市出售过期食品", "在超市买的牛奶已经过期三天，要求退款并处理商家" },
  { "市政设施/排水", "下水道堵塞", "暴雨后路口积水半米深，雨水井被垃圾堵住，车辆无法通行" },
  { "城市管理/垃圾清运", "垃圾未清运", "垃圾桶满了三天没人清运，气味很大，苍蝇很多" },
  { "市政设施/井盖", "井盖缺失", "人行道上的井盖不见了，晚上很危险，已经有人差点掉下去" },
}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function request()
  counter = counter + 1
  local i = counter
  local c = cases[(i % #cases) + 1]
  local body = string.format('{"hotline_number":"%s","channel":"%s","nature":"%s","category_code":"%s","region_code":"%s","title":"%s","content":"%s，地点西溪路%d号附近，第%d次反映，请尽快处理。","caller":{"name":"王先生","phone":"1%d%09d","address":"西溪路%d号"}}',
    hotlines[(i % #hotlines) + 1], channels[(i % #channels) + 1], natures[(i % #natures) + 1], c[1],
    regions[(i * 7 % #regions) + 1], c[2], c[3], i % 500, i % 3 + 1, 3 + (tid or 0) % 7, i, i % 500)
  return wrk.format("POST", "/v1/tickets", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("bench-%d-%d-%d", tid or 0, os.time(), i),
  }, body)
end

dofile("scripts/bench/summary.lua")
