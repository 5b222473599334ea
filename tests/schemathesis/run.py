"""Fuzz the team server's API from its own OpenAPI document with schemathesis:
no response may be a 5xx, and every response must match the document.

Starts the real server (the binary in argv[1]) on 127.0.0.1 with a fresh data
folder, signs up an Admin and adds a lead so there is something to find, then
runs `st` (from the virtual environment `cargo xtask test` made) with that
Admin's token for a bounded number of examples per operation.
Usage: run.py SERVER_BINARY ST_BINARY [MAX_EXAMPLES]
"""

import json
import subprocess
import sys
import tempfile
import urllib.request


def call(base, method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(request, data) as response:
        text = response.read()
        return json.loads(text) if text else None


def main():
    server_binary, st_binary = sys.argv[1], sys.argv[2]
    examples = sys.argv[3] if len(sys.argv) > 3 else "15"
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen(
            [server_binary, "--bind", "127.0.0.1:0", "--data-dir", data,
             # Generated sign-ins would otherwise spend the budget at once.
             "--rate-burst", "1000000", "--rate-period-seconds", "1"],
            stdout=subprocess.PIPE, text=True)
        try:
            base = server.stdout.readline().strip().removeprefix("listening on ")
            password = "correct horse battery"
            call(base, "POST", "/api/auth/register",
                 {"name": "Fuzz Admin", "email": "fuzz@example.com", "password": password})
            signed_in = call(base, "POST", "/api/auth/login",
                             {"email": "fuzz@example.com", "password": password})
            token = signed_in["access_token"]
            call(base, "POST", "/api/leads",
                 {"name": "Grace Hopper", "phone": "+1 555 010 2030"}, token)
            run = subprocess.run(
                [st_binary, "run", base + "/api/openapi.json",
                 "--url", base,
                 "--checks", "not_a_server_error,response_schema_conformance",
                 "--max-examples", examples,
                 "--workers", "2",
                 "--seed", "1",
                 # The stream never ends by design; logout, and an Admin setting
                 # their own password, would end the run's own session.
                 "--exclude-path", "/api/notifications/stream",
                 "--exclude-path", "/api/auth/logout",
                 "--exclude-path", "/api/users/{id}/password",
                 "--header", "Authorization: Bearer " + token])
            return run.returncode
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    sys.exit(main())
