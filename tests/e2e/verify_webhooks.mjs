// Verifies webhook deliveries with the npm `standardwebhooks` package, an
// implementation babillard does not contain. Reads JSON from stdin:
// [{"secret": "whsec_...", "headers": {"webhook-id": ..., ...}, "body": "..."}]
// and prints one JSON array: true where the delivery verifies with that secret.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Webhook } = require("standardwebhooks");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map(({ secret, headers, body }) => {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch {
    return false;
  }
});
process.stdout.write(JSON.stringify(results) + "\n");
