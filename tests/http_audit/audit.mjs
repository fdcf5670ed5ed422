// The GraphQL-over-HTTP audit (npm graphql-http) against a running server.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
// Prints one JSON line: counts by status and every check that did not pass; exits 1 unless all pass.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}
const results = await auditServer({ url });
const counts = { total: results.length, ok: 0, notice: 0, warn: 0, error: 0 };
const failures = [];
for (const result of results) {
  counts[result.status] += 1;
  if (result.status !== 'ok') {
    let body = '';
    try {
      body = (await result.response.text()).slice(0, 300);
    } catch {
      // the body was read by the check already
    }
    failures.push({
      id: result.id,
      name: result.name,
      status: result.status,
      reason: result.reason,
      httpStatus: result.response.status,
      body,
    });
  }
}
console.log(JSON.stringify({ ...counts, failures }));
process.exit(counts.ok === counts.total ? 0 : 1);
