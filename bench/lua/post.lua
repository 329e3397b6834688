-- wrk script of bench/run.sh: POST the file named by BENCH_BODY_FILE as JSON.
-- BENCH_AUTH, if set, is sent as the Authorization header (moto routes on its credential scope).
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
