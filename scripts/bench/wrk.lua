-- scripts/bench/wrk.lua - request shape and result line for scripts/bench.sh.
--
-- From the environment (ip netns exec and bash pass it through):
--   BENCH_METHOD     GET (default) or POST
--   BENCH_BODY       request body size in bytes (default 0: none); wrk adds Content-Length
-- -H on the command line (Connection: close) is merged in by wrk before this runs.
--
-- done() prints one line that bench.sh parses:
--   BENCH requests=N duration_us=N bytes=N p50_us=X p99_us=X p999_us=X mean_us=X max_us=X
--         connect=N read=N write=N status=N timeout=N
-- Latencies are wrk's, in microseconds, after wrk's own coordinated-omission correction
-- (wrk 4 fills in the requests a stalled connection did not send, as --latency shows).
-- status counts responses that are not 2xx or 3xx.

local method = os.getenv("BENCH_METHOD") or "GET"
local body = tonumber(os.getenv("BENCH_BODY") or "0") or 0

wrk.method = method
if body > 0 then
	wrk.body = string.rep("x", body)
	wrk.headers["Content-Type"] = "application/octet-stream"
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"BENCH requests=%d duration_us=%d bytes=%d p50_us=%.1f p99_us=%.1f p999_us=%.1f " ..
		"mean_us=%.1f max_us=%.1f connect=%d read=%d write=%d status=%d timeout=%d\n",
		summary.requests, summary.duration, summary.bytes,
		latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
		latency.mean, latency.max,
		e.connect, e.read, e.write, e.status, e.timeout))
end
