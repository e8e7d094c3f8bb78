-- wrk script of bench/checkin.py: POST one check-in per request, each with a card no other
-- request of the run uses, so that every request is a real write (a first collection).
--
--   wrk -t T -c C -d 10s -s bench/checkin.lua URL -- CARDS FIRST COUNT SESSION TOKEN T [SPREAD]
--
-- CARDS is a file of card codes, one a line; this run uses lines FIRST+1 .. FIRST+COUNT.
-- With SPREAD = 1, each line is "CODE SESSION": the card goes to that session, not SESSION.
-- Thread i of T takes every T-th of them, starting at its own. A thread that runs out of
-- cards starts over on its own share: those requests are refused (409 already collected),
-- and done() counts them apart, so a run that outran its share shows it.

local threads = {}
local counter = 0

function setup(thread)
   -- `id` becomes a global of the thread's own interpreter, read by init()
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   local path, first, count = args[1], tonumber(args[2]), tonumber(args[3])
   local session, token, nthreads = args[4], args[5], tonumber(args[6])
   local spread = args[7] == "1"
   cards = {}
   local line_no = 0
   for line in io.lines(path) do
      if line_no >= first + count then break end
      if line_no >= first and (line_no - first) % nthreads == id then
         local code, own = line, session
         if spread then
            code, own = line:match("^(%S+)%s+(%S+)$")
         end
         cards[#cards + 1] = '{"session":"' .. own .. '","card":"' .. code .. '"}'
      end
      line_no = line_no + 1
   end
   next_card = 1
   created = 0
   other = 0
   headers = {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. token,
   }
   path_ = "/api/v1/distribution/checkins"
end

function request()
   local body = cards[next_card]
   next_card = next_card + 1
   if next_card > #cards then next_card = 1 end
   return wrk.format("POST", path_, headers, body)
end

function response(status, headers, body)
   if status == 201 then
      created = created + 1
   else
      other = other + 1
   end
end

function done(summary, latency, requests)
   local created_total, other_total = 0, 0
   for _, thread in ipairs(threads) do
      created_total = created_total + (thread:get("created") or 0)
      other_total = other_total + (thread:get("other") or 0)
   end
   io.write(string.format(
      'RESULT {"requests":%d,"duration_us":%d,"created":%d,"other":%d,' ..
      '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,' ..
      '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
      summary.requests, summary.duration, created_total, other_total,
      summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      latency.mean))
end
