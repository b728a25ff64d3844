-- wrk script: GET the byte ranges an HLS player asks for, in playlist order per connection.
-- RANGES_FILE (env) holds one "first-last" pair per line (the rendition's EXT-X-MAP and segments).
-- Non-2xx answers count as errors (wrk's own tally).
local ranges = {}
for line in io.lines(os.getenv("RANGES_FILE")) do
  if line ~= "" then ranges[#ranges + 1] = line end
end
local next_index = 1

function setup(thread)
  thread:set("id", math.random(1, 1000000))
end

function init(args)
  math.randomseed(os.time() + id)
  next_index = math.random(1, #ranges)
end

request = function()
  local r = ranges[next_index]
  next_index = next_index % #ranges + 1
  return wrk.format("GET", wrk.path, { ["Range"] = "bytes=" .. r })
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
