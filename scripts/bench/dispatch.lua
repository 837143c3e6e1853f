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

dofile("scripts/bench/summary.lua")
