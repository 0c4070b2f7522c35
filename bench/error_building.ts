/**
 * How long a hostile token endpoint answer takes to become an error: 1 MiB bodies built from the
 * adversarial units of `tests/security/linear_time_test.ts` (word runs, `<`, `=`, quotes, backslashes,
 * mixed scripts), answered with HTTP 500 as text and with HTTP 200 as a JSON token response whose
 * access_token cannot be a header value. The platform `fetch` is a stub that answers at once, so the
 * time is reading the body, parsing it, scrubbing it and building the error. Compare with the figure for
 * a 1 KiB body in the same run.
 *
 * Run: `deno run -A bench/error_building.ts`.
 *
 * @module
 */

import { requestToken } from "../mod.ts";

const UNITS = ["a", "<", "=", '"', "\\", "aé日ж😀ع", '"k": "', "<script>", "eyJ-", 'a="\\'];
const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 20);

function endpoint(answer: () => Response) {
  return {
    tokenUrl: "https://as.example/token",
    clientId: "svc",
    clientSecret: "cs-CANARY-4f9a+1c/7e=2b&8d",
    fetch: () => Promise.resolve(answer()),
  };
}

async function msPerError(answer: () => Response): Promise<number> {
  const options = endpoint(answer);
  const once = () => requestToken(options, { grant_type: "client_credentials" }).catch((e) => e);
  await once();
  let best = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    const error = await once();
    best = Math.min(best, performance.now() - started);
    if (!(error instanceof Error)) throw new Error("expected an error");
  }
  return best;
}

console.log("ms to turn one token endpoint answer into an error (best of rounds):");
console.log("  unit          1 KiB 500   1 MiB 500   1 MiB JSON 200");
let worst = 0;
for (const unit of UNITS) {
  const body = (size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  const small = await msPerError(() => new Response(body(1024), { status: 500 }));
  // mixed scripts take 2–4 bytes a character: stay under the 1 MiB read cap
  const size = [...unit].some((c) => c.charCodeAt(0) > 0x7f) ? 300_000 : 1 << 20;
  const large = await msPerError(() => new Response(body(size), { status: 500 }));
  const json = await msPerError(() =>
    Response.json({ access_token: `x\n${body(size - 64)}`, token_type: "Bearer" })
  );
  worst = Math.max(worst, large, json);
  console.log(
    `  ${JSON.stringify(unit).padEnd(12)} ${small.toFixed(2).padStart(9)} ${
      large.toFixed(2).padStart(11)
    } ${json.toFixed(2).padStart(16)}`,
  );
}
console.log(`worst 1 MiB answer: ${worst.toFixed(1)} ms`);
