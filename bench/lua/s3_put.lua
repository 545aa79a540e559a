-- wrk script: SigV4-signed PutObject of one body ($BODY_FILE, 1 KiB) to a fresh key per request.
-- $REQS holds one line per key, "<path>\t<Authorization header>", all signed up front by
-- bench/storage.mjs for the same x-amz-date ($AMZ_DATE) and payload hash ($PAYLOAD_HASH, the
-- body's SHA-256: the payload is signed, not UNSIGNED-PAYLOAD). If wrk sends more requests than
-- there are lines, it starts over (the bench reports that as "keys reused").
local host, date, hash = os.getenv("HOST"), os.getenv("AMZ_DATE"), os.getenv("PAYLOAD_HASH")
local body, reqs, n, i

function init(args)
  local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
  body = f:read("*a")
  f:close()
  reqs = {}
  for line in io.lines(os.getenv("REQS")) do
    local p, a = line:match("^(%S+)\t(.+)$")
    reqs[#reqs + 1] = { p, a }
  end
  n, i = #reqs, 0
end

function request()
  local r = reqs[i % n + 1]
  i = i + 1
  return wrk.format("PUT", r[1], {
    ["Host"] = host,
    ["x-amz-date"] = date,
    ["x-amz-content-sha256"] = hash,
    ["Authorization"] = r[2],
  }, body)
end
