-- wrk: POST one MCP tools/call per request and check every response body (a tool error comes back
-- as HTTP 200). Set TOOL and ARGS through wrk's environment: TOOL=name ARGS='{"userId":"u1"}'.
local tool = os.getenv("TOOL")
local args = os.getenv("ARGS")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"' .. tool .. '","arguments":' .. args .. '}}'

local threads = {}
function setup(thread)
  thread:set("bad", 0)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"result"', 1, true) or string.find(body, '"isError":true', 1, true) then
    bad = bad + 1
    if bad == 1 then io.stderr:write("first bad response: " .. status .. " " .. string.sub(body, 1, 300) .. "\n") end
  end
end

function init(args)
  bad = 0
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("BAD_RESPONSES %d\n", total))
end
