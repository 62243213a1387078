-- wrk reporter: p50/p95/p99 latency (wrk's own --latency output omits p95).
-- usage: wrk -t1 -c10 -d15s -s bench/wrk_p95.lua -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/api/v1/documents/1
done = function(summary, latency, requests)
  io.write(string.format("requests %d errors %d p50 %.1f ms p95 %.1f ms p99 %.1f ms\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
