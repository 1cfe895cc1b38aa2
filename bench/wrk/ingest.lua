-- wrk script for POST /api/flow/ingest: every request carries readings never sent before.
--
-- Environment (set by bench/ingest.py):
--   BENCH_BATCH       readings per request: 1 sends one object, N > 1 a JSON array of N
--   BENCH_TAG         prefix of the stadium ids, unique per run and phase
--   BENCH_BASE_EPOCH  ts of the first round, in Unix seconds (must lie in the past)
--   BENCH_GATES       single mode: distinct gates a thread cycles through
--   BENCH_PER_STADIUM gates per stadium (25 by default, a realistic stadium)
--   BENCH_BLOCKS      array mode: blocks of BENCH_BATCH gates a thread cycles through
--
-- A thread owns its stadiums (the thread number is in the id) and walks forward in time:
-- round r stamps every reading with BENCH_BASE_EPOCH + r seconds. In single mode a round is
-- one pass over the thread's gates; in array mode a request covers one block of BENCH_BATCH
-- gates, and a round is one pass over the blocks. So (stadiumId, gateId, ts) never repeats,
-- nothing is deduplicated, and as long as a gate comes back later than the connections in
-- flight (1000 requests in single mode, BENCH_BLOCKS in array mode), each gate's readings
-- arrive in ts order, as turnstiles send them.

local batch = tonumber(os.getenv("BENCH_BATCH") or "1")
local tag = os.getenv("BENCH_TAG") or "BENCH"
local base = tonumber(os.getenv("BENCH_BASE_EPOCH") or tostring(os.time() - 7 * 86400))
local gates = tonumber(os.getenv("BENCH_GATES") or "1000")
local per_stadium = tonumber(os.getenv("BENCH_PER_STADIUM") or "25")
local blocks = tonumber(os.getenv("BENCH_BLOCKS") or "128")
local headers = { ["Content-Type"] = "application/json" }

local threads = {}
local next_tid = 0

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
  table.insert(threads, thread)
end

-- Globals (read back by done() through thread:get).
counter = 0

local heads = {}   -- per gate: {"stadiumId":"...","gateId":"...","ts":"
local tails = {}   -- per gate: the three numbers and the closing brace
local array_template = nil
local cached_round, cached_ts = -1, nil

local function ts_of(round)
  if round ~= cached_round then
    cached_round = round
    cached_ts = os.date("!%Y-%m-%dT%H:%M:%SZ", base + round)
  end
  return cached_ts
end

function init(args)
  local n = batch > 1 and batch or gates
  local block = batch > 1 and "_b@B@" or ""
  for g = 0, n - 1 do
    heads[g] = [==[{"stadiumId":"]==] .. tag .. "_t" .. tid .. block .. "_s"
      .. math.floor(g / per_stadium)
      .. [==[","gateId":"G]==] .. (g % per_stadium + 1) .. [==[","ts":"]==]
    tails[g] = [==[","perMinuteCount":]==] .. (20 + (g * 7) % 60)
      .. [==[,"avgProcessingTime":]==] .. string.format("%.1f", 1.5 + (g % 30) / 10)
      .. [==[,"queueLength":]==] .. ((g * 13) % 400) .. "}"
  end
  if batch > 1 then
    -- One array with placeholders for the block (@B@) and the ts (@T@) of a request.
    local parts = {}
    for g = 0, batch - 1 do
      parts[g + 1] = heads[g] .. "@T@" .. tails[g]
    end
    array_template = "[" .. table.concat(parts, ",") .. "]"
  end
end

function request()
  local body
  if batch > 1 then
    local fill = { B = tostring(counter % blocks), T = ts_of(math.floor(counter / blocks)) }
    body = string.gsub(array_template, "@(%u)@", fill)
  else
    local g = counter % gates
    body = heads[g] .. ts_of(math.floor(counter / gates)) .. tails[g]
  end
  counter = counter + 1
  return wrk.format("POST", nil, headers, body)
end

function done(summary, latency, requests)
  local generated = 0
  for _, thread in ipairs(threads) do
    generated = generated + (thread:get("counter") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d,\"generated\":%d,"
      .. "\"batch\":%d,\"errors_connect\":%d,\"errors_read\":%d,\"errors_write\":%d,"
      .. "\"errors_status\":%d,\"errors_timeout\":%d,\"lat_mean_us\":%.1f,\"lat_p50_us\":%d,"
      .. "\"lat_p90_us\":%d,\"lat_p99_us\":%d,\"lat_max_us\":%d}\n",
    summary.requests, summary.duration, summary.bytes, generated, batch,
    e.connect, e.read, e.write, e.status, e.timeout, latency.mean,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
