-- wrk script: send the request with the extra headers in $HEADERS ("name: value" lines), e.g. a
-- SigV4 Authorization header computed once by bench/storage.mjs (valid for the clock-skew window,
-- so the server verifies the full signature on every request). No request()/response() hooks,
-- so wrk stays on its fast path; the bench checks one response itself first.
for line in (os.getenv("HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  -- wrk adds its own "Host" unless one is set under that exact name: no duplicate Host header.
  if name and name:lower() == "host" then name = "Host" end
  if name then wrk.headers[name] = value end
end
