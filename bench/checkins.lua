-- wrk script for bench/checkins.py: POST check-in bodies, rotating over supervisees and their tokens.
--
--   wrk -t1 -c16 -d20s -s bench/checkins.lua http://127.0.0.1:PORT/api/v1/me/checkins -- DATA TAG IDS
--
-- DATA: one supervisee a line, tab-separated: token, lat, lng, accuracy_m, source, is_mock, jitter (degrees).
-- Each request takes the next line (threads start at different lines), jitters the position, stamps
-- captured_at with the current UTC second and a client_id "TAG-<thread>-<n>" unique in the run.
-- IDS: every 201's "id" is written to IDS.<thread>, so that the rows can be matched against the answers.
-- done() prints one line "BENCH {json}": counts, statuses, socket errors and latency percentiles (µs).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local entries = {}
local tag, ids
local pos = 0
n_sent, n_created, other_statuses, first_error = 0, 0, "", ""
local other = {}
local headers = { ["Content-Type"] = "application/json" }
local template = '{"lat":%.6f,"lng":%.6f,"coord_type":"wgs84","accuracy_m":%.1f,"captured_at":"%s",'
  .. '"source":"%s","is_mock":%s,"client_id":"%s-%d-%d"}'

function init(args)
  for line in io.lines(args[1]) do
    local token, lat, lng, acc, source, mock, jitter =
      line:match("^(%S+)\t(%S+)\t(%S+)\t(%S+)\t(%S+)\t(%S+)\t(%S+)$")
    if token then
      entries[#entries + 1] = { auth = "Bearer " .. token, lat = tonumber(lat), lng = tonumber(lng),
        acc = tonumber(acc), source = source, mock = mock, jitter = tonumber(jitter) }
    end
  end
  tag = args[2]
  ids = io.open(args[3] .. "." .. tid, "w")
  ids:setvbuf("line")  -- the thread's Lua state is never closed: nothing may stay in a buffer
  pos = ((tid - 1) * 7919) % #entries
  math.randomseed(tid * 104729)
end

function request()
  pos = pos % #entries + 1
  n_sent = n_sent + 1
  local e = entries[pos]
  headers["Authorization"] = e.auth
  local body = string.format(template,
    e.lat + (math.random() - 0.5) * e.jitter, e.lng + (math.random() - 0.5) * e.jitter * 1.3, e.acc,
    os.date("!%Y-%m-%dT%H:%M:%SZ"), e.source, e.mock, tag, tid, n_sent)
  return wrk.format("POST", nil, headers, body)
end

function response(status, headers, body)
  if status == 201 then
    n_created = n_created + 1
    local id = body:match('"id"%s*:%s*(%d+)')
    if id then ids:write(id, "\n") end
  else
    other[status] = (other[status] or 0) + 1
    local parts = {}
    for code, count in pairs(other) do parts[#parts + 1] = string.format('[%d,%d]', code, count) end
    other_statuses = table.concat(parts, ",")
    if first_error == "" then
      first_error = (status .. " " .. body:sub(1, 300)):gsub('[%c"\\]', " ")
    end
  end
end

function done(summary, latency, requests)
  local sent, created, statuses, sample = 0, 0, {}, ""
  for _, t in ipairs(threads) do
    sent = sent + t:get("n_sent")
    created = created + t:get("n_created")
    local s = t:get("other_statuses")
    if s ~= "" then statuses[#statuses + 1] = s end
    if sample == "" then sample = t:get("first_error") end
  end
  local e = summary.errors
  io.write(string.format('BENCH {"duration_us":%d,"requests":%d,"sent":%d,"created":%d,"other":[%s],'
    .. '"first_error":"%s","errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
    .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.duration, summary.requests, sent, created, table.concat(statuses, ","), sample,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
