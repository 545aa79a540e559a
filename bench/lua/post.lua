-- wrk script: POST the body in $BODY with the header $HNAME: $HVAL (e.g. x-api-key).
-- No response() hook, so wrk stays on its fast path; the bench checks one response itself first.
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
local name, value = os.getenv("HNAME"), os.getenv("HVAL")
if name and value then wrk.headers[name] = value end
