// The TypeScript SDK's MCP client against a server at the URL given: it connects (the SDK's
// own handshake), lists the tools, calls the one named with the JSON arguments given, and prints
// what it saw as one JSON line. A JSON-RPC error of the call is printed, not thrown; so is the
// SDK's own refusal of a result whose structuredContent does not match the tool's outputSchema.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, tool, args] = process.argv.slice(2);
const client = new Client({ name: "naftiko-tests", version: "1.0.0" });
await client.connect(new StreamableHTTPClientTransport(new URL(url)));
const listed = await client.listTools();
let result = null;
let error = null;
try {
  result = await client.callTool({ name: tool, arguments: JSON.parse(args) });
} catch (e) {
  error = { code: e.code ?? null, message: String(e.message ?? e) };
}
console.log(JSON.stringify({
  server: client.getServerVersion(),
  protocol: client.getNegotiatedProtocolVersion?.() ?? null,
  tools: listed.tools.map((t) => ({ name: t.name, inputSchema: t.inputSchema, outputSchema: t.outputSchema ?? null, annotations: t.annotations })),
  result,
  error,
}));
await client.close();
