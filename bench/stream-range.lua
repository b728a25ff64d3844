-- wrk script: GET one random range of RANGE_LEN bytes (env) in a file of FILE_SIZE bytes (env);
-- RANGE_LEN=0 asks for the whole file. Non-2xx answers count as errors (wrk's own tally).
local size = tonumber(os.getenv("FILE_SIZE"))
local len = tonumber(os.getenv("RANGE_LEN"))

function setup(thread)
  thread:set("id", math.random(1, 1000000))
end

function init(args)
  math.randomseed(os.time() + id)
end

request = function()
  if len == 0 then return wrk.format("GET", wrk.path) end
  local first = math.random(0, size - len)
  return wrk.format("GET", wrk.path, { ["Range"] = "bytes=" .. first .. "-" .. (first + len - 1) })
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
