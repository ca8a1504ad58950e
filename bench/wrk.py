"""wrk (Debian's `wrk`) as the API benchmark's load generator: windows of one request
kind each, so that `bench.api` can interleave a `GET /healthz` baseline with
`POST …/incomes` and report medians with their spread.

wrk is C and event-driven, so the load generator costs the 2-core machine little and the
figures are the server's. Each window's figures come out of the script's `done` as one
JSON line; 5xx answers are counted by the script's `response` in every thread.
"""

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SCRIPT = """
local threads = {}
local token = ""
local path = "/healthz"
local method = "GET"
local counter = 0
server_errors = 0  -- a global: `done` reads it from every thread

setup = function(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

init = function(args)
  method, path, token = args[1], args[2], args[3] or ""
end

request = function()
  if method == "GET" then
    return wrk.format("GET", path)
  end
  counter = counter + 1
  local body = string.format(
    '{"source":"member_donation","payer":"\\231\\172\\172%d\\229\\133\\154\\230\\148\\175\\233\\131\\168",'
    .. '"amount":"%d.%02d","received_on":"2026-11-05"}',
    id * 100 + counter % 100, counter % 1000 + 1, counter % 100)
  return wrk.format("POST", path,
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

response = function(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
end

done = function(summary, latency, requests)
  local fivexx = 0
  for _, thread in ipairs(threads) do fivexx = fivexx + thread:get("server_errors") end
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"seconds":%f,"p50_ms":%f,"p99_ms":%f,"non_2xx":%d,'
    .. '"socket_errors":%d,"server_errors":%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout, fivexx))
end
"""


@dataclass(frozen=True)
class Window:
    """What one wrk window measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    server_errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def ensure_wrk() -> str | None:
    """The path of wrk, installed from Debian's packages (apt-get, as root) when missing;
    None when it cannot be had (the caller says so)."""
    found = shutil.which("wrk")
    if found or shutil.which("apt-get") is None:
        return found
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, capture_output=True, check=False, timeout=600).returncode != 0:
        # The package lists may be missing or old on a fresh machine.
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=False, timeout=600)
        subprocess.run(install, capture_output=True, check=False, timeout=600)
    return shutil.which("wrk")


def window(
    wrk: str, port: int, method: str, path: str, token: str, seconds: float, connections: int
) -> Window:
    """One wrk run of `seconds` against the server on `port`."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(SCRIPT)
    try:
        ran = subprocess.run(
            [wrk, "-t", "2", "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s",
             "-s", script.name, f"http://127.0.0.1:{port}", "--", method, path, token],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        )  # fmt: skip
    finally:
        Path(script.name).unlink()
    line = next(line for line in ran.stdout.splitlines() if line.startswith("WRK "))
    return Window(**json.loads(line[len("WRK ") :]))
