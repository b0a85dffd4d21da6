-- Sends pre-built raw HTTP requests, each once in order ("once") or round and round ("cycle").
-- Arguments after `--`: the pool file and the mode. The file holds, per request, its length in
-- bytes on a line of its own, then exactly that many bytes. In "once" mode a pool that runs
-- out would start repeating (the duplicate path): the run is flagged so it can be repeated
-- with a larger pool.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local data = file:read("*a")
  file:close()
  cycle = args[2] == "cycle"
  pool = {}
  local pos = 1
  while pos <= #data do
    local newline = data:find("\n", pos, true)
    local length = tonumber(data:sub(pos, newline - 1))
    pool[#pool + 1] = data:sub(newline + 1, newline + length)
    pos = newline + length + 1
  end
  sent = 0
  exhausted = 0
end

function request()
  sent = sent + 1
  if sent > #pool then
    if not cycle then
      exhausted = 1
      wrk.thread:stop()
    end
    sent = 1
  end
  return pool[sent]
end

function done(summary, latency, requests)
  local ran_out = 0
  for _, thread in ipairs(threads) do
    ran_out = ran_out + (thread:get("exhausted") or 0)
  end
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"non2xx":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"exhausted":%d,"p99Us":%d}\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout, ran_out,
    latency:percentile(99)))
end
