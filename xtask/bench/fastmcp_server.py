"""FastMCP's `from_openapi` over the upstream's four token operations: the MCP server users would
otherwise write. Started by `cargo xtask bench`: python fastmcp_server.py OPENAPI_JSON UPSTREAM_URL PORT KEY"""
import json
import sys

import httpx2 as httpx
from fastmcp import FastMCP

spec_path, upstream, port, key = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(spec_path) as f:
    spec = json.load(f)
client = httpx.AsyncClient(base_url=upstream, headers={"Authorization": f"Bearer {key}"})
mcp = FastMCP.from_openapi(spec, client=client, name="humanitec-tokeninfo")
mcp.run(transport="http", host="127.0.0.1", port=port, show_banner=False, stateless_http=True, json_response=True, log_level="warning")
