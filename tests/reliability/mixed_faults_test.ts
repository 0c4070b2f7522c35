import assert from "node:assert/strict";
import {
  auth,
  clientCredentials,
  createFetch,
  password,
  retry,
  type RetryEvent,
  timeout,
  tokenSource,
} from "../../mod.ts";
import { type Fault, startFaultServer, TOKEN_FAULTS } from "../peers/fault_server.ts";
import {
  checkDelays,
  countingGrant,
  isDocumentedError,
  type Outcome,
  outcomeName,
  runBounded,
  tally,
  watchUnhandled,
} from "./_harness.ts";

const REQUESTS = Number(Deno.env.get("RELIABILITY_REQUESTS") ?? 120);
const ATTEMPT_TIMEOUT = 60;
const POLICY = { retries: 2, baseDelay: 4, maxDelay: 10, r: 0.5 };
// 3 attempts × (timeout or a slow body of ~250 bytes at ~1 ms each) + backoff + slack
const DEADLINE = 3 * (ATTEMPT_TIMEOUT + 400) + 2 * POLICY.maxDelay + 500;

function assertAllSettledWell(outcomes: Outcome[]): void {
  for (const [i, outcome] of outcomes.entries()) {
    assert.ok(outcome !== undefined, `request ${i} has no outcome: lost`);
    assert.notEqual(outcome.kind, "hung", `request ${i} hung past its ${DEADLINE} ms deadline`);
    if (outcome.kind === "error") {
      assert.ok(
        isDocumentedError(outcome.error),
        `request ${i} failed with an undocumented error: ${outcomeName(outcome)} ${
          (outcome.error as Error)?.stack
        }`,
      );
    }
    assert.ok(outcome.ms < DEADLINE, `request ${i} took ${outcome.ms} ms`);
  }
}

Deno.test("mixed API and token endpoint faults: every request succeeds or fails with a documented error", async () => {
  const unhandled = watchUnhandled();
  const server = startFaultServer({ faultRate: 0.25, seed: 7 });
  try {
    const events: RetryEvent[] = [];
    const grant = countingGrant(clientCredentials({
      tokenUrl: server.tokenUrl,
      clientId: "svc",
      clientSecret: "s3cret-never-shown",
      // the token request gets its own per-attempt timeout and retries (POST is added by the grant)
      fetch: createFetch([timeout(ATTEMPT_TIMEOUT)]),
      retry: { retries: 2, baseDelay: 2, maxDelay: 4, random: () => 0.5 },
    }));
    const tokens = tokenSource(grant);
    const api = createFetch([
      retry({ ...POLICY, random: () => POLICY.r, onRetry: (e) => events.push(e) }),
      timeout(ATTEMPT_TIMEOUT),
      auth(tokens),
    ]);
    const outcomes = await runBounded(
      REQUESTS,
      12,
      DEADLINE,
      (i, signal) =>
        i % 3 === 0
          ? api(`${server.apiUrl}items/${i}`, {
            method: "PUT",
            body: `payload-${i}`,
            signal,
          })
          : api(`${server.apiUrl}items/${i}`, { signal }),
    );
    assertAllSettledWell(outcomes);
    if (Deno.env.get("RELIABILITY_REPORT")) {
      console.log(
        JSON.stringify({
          outcomes: tally(outcomes),
          server: server.counters,
          retries: events.length,
        }),
      );
    }

    // Nothing lost: a 200 answer carries the body that was sent, however many replays it took.
    let ok = 0;
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.kind !== "response" || outcome.status !== 200) continue;
      let parsed: { ok: boolean; echo: string; path: string } | undefined;
      try {
        parsed = JSON.parse(outcome.body!);
      } catch {
        continue; // a truncated-JSON fault answered 200: the caller sees it as it is
      }
      if (parsed?.ok !== true) continue;
      ok++;
      assert.equal(parsed.path, `/api/items/${i}`);
      assert.equal(parsed.echo, i % 3 === 0 ? `payload-${i}` : "");
    }
    assert.ok(
      ok >= REQUESTS * 0.5,
      `only ${ok} of ${REQUESTS} succeeded: ${JSON.stringify(tally(outcomes))}`,
    );

    // Backoff within bounds: each wait is the jittered backoff or what Retry-After asked (0 here).
    assert.deepEqual(
      checkDelays(events, POLICY, (e) => e.status === 429 || e.status === 503 ? [0] : []),
      [],
    );
    assert.ok(events.every((e) => e.attempt <= POLICY.retries));

    // No retry storm at the token endpoint: ≤ 3 HTTP requests per grant call, and a new token is only
    // obtained when the old one failed or was revoked.
    assert.ok(server.counters.tokenRequests <= 3 * (grant.calls.token + grant.calls.refresh));
    const revoked = server.counters.faults["api:revoke"] ?? 0;
    assert.ok(
      grant.calls.token - grant.calls.failed <= 1 + revoked,
      `${grant.calls.token} grant calls (${grant.calls.failed} failed) for ${revoked} revocations`,
    );
    // No token was ever sent that the server did not issue.
    assert.equal(server.counters.apiUnknownToken, 0);
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(unhandled.rejections, []);
  } finally {
    unhandled.stop();
    await server.close();
  }
});

Deno.test("every token endpoint fault on a cold start fails the call with a documented error or recovers", async () => {
  const unhandled = watchUnhandled();
  const server = startFaultServer();
  try {
    for (const fault of TOKEN_FAULTS) {
      for (const retries of [0, 2]) {
        const tokens = tokenSource(clientCredentials({
          tokenUrl: server.tokenUrl,
          clientId: "svc",
          clientSecret: "s3cret",
          fetch: createFetch([timeout(ATTEMPT_TIMEOUT)]),
          retry: retries === 0 ? false : { retries, baseDelay: 1, maxDelay: 2 },
        }));
        const api = createFetch([
          retry({ retries: 0 }),
          timeout(ATTEMPT_TIMEOUT * 10),
          auth(tokens),
        ]);
        server.script("token", fault);
        const before = server.counters.tokenRequests;
        const [outcome] = await runBounded(
          1,
          1,
          DEADLINE,
          (_i, signal) => api(`${server.apiUrl}x`, { signal }),
        );
        const label = `${JSON.stringify(fault)} with ${retries} token retries`;
        assertAllSettledWell([outcome]);
        const used = server.counters.tokenRequests - before;
        // Deno's HTTP client itself resends a request once when a pooled keep-alive connection is
        // closed before any byte of the answer ("reset"); that replay is the platform's, not a retry.
        const platformReplay = fault.kind === "reset" ? 1 : 0;
        assert.ok(used <= 1 + retries + platformReplay, `${label}: ${used} token requests`);
        const transient = fault.kind === "status" || fault.kind === "reset" ||
          fault.kind === "hang" || fault.kind === "slow";
        if (retries > 0 && transient) {
          assert.equal(outcome.kind, "response", `${label}: ${outcomeName(outcome)}`);
          assert.equal((outcome as { status: number }).status, 200, label);
        }
        if (outcome.kind === "error") {
          const e = outcome.error as Error;
          assert.ok(
            ["TokenResponseError", "OAuthError", "TimeoutError"].includes(e.name),
            `${label}: ${e.name}: ${e.message}`,
          );
        }
        // The scripted fault was served, unless the call's own deadline ended it before the server
        // read the request (a 60 ms attempt timeout on a loaded machine): then it is a TimeoutError.
        if (server.unscript("token") !== 0) {
          assert.equal(
            outcome.kind,
            "error",
            `${label}: fault never served, ${outcomeName(outcome)}`,
          );
          assert.equal((outcome.error as Error).name, "TimeoutError", label);
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(unhandled.rejections, []);
  } finally {
    unhandled.stop();
    await server.close();
  }
});

Deno.test("a token endpoint outage causes one grant call per wave of concurrent requests, not a storm", async () => {
  const server = startFaultServer();
  try {
    const outage: Fault = { kind: "status", status: 503 };
    server.script("token", ...Array(100).fill(outage));
    const grant = countingGrant(clientCredentials({
      tokenUrl: server.tokenUrl,
      clientId: "svc",
      clientSecret: "s3cret",
      retry: { retries: 2, baseDelay: 1, maxDelay: 2 },
    }));
    const api = createFetch([retry({ retries: 2, baseDelay: 1 }), auth(tokenSource(grant))]);
    const outcomes = await runBounded(
      50,
      50,
      DEADLINE,
      (i, signal) => api(`${server.apiUrl}${i}`, { signal }),
    );
    assertAllSettledWell(outcomes);
    assert.deepEqual(tally(outcomes), { TokenResponseError: 50 });
    assert.equal(grant.calls.token, 1);
    assert.equal(server.counters.tokenRequests, 3);
    assert.equal(server.counters.apiRequests, 0);
  } finally {
    await server.close();
  }
});

Deno.test("rotating refresh tokens under concurrent revocations are never spent twice", async () => {
  const unhandled = watchUnhandled();
  const server = startFaultServer({ rotateRefreshTokens: true });
  try {
    const grant = countingGrant(password({
      tokenUrl: server.tokenUrl,
      clientId: "app",
      username: "alice",
      password: "pa55word-canary",
    }));
    const tokens = tokenSource(grant);
    const api = createFetch([retry({ retries: 1, baseDelay: 1 }), auth(tokens)]);
    for (let round = 0; round < 15; round++) {
      // One request in each round meets a revoked token; the others race it.
      server.script("api", "revoke");
      const outcomes = await runBounded(
        8,
        8,
        DEADLINE,
        (i, signal) => api(`${server.apiUrl}r${round}/${i}`, { signal }),
      );
      assertAllSettledWell(outcomes);
      for (const outcome of outcomes) {
        assert.equal(outcome.kind, "response", outcomeName(outcome));
        // a request that raced the revocation may itself see a 401 for the revoked token once; its
        // replay carries the new token
        assert.equal((outcome as { status: number }).status, 200, outcomeName(outcome));
      }
    }
    assert.equal(server.counters.refreshReuse, 0, "a refresh token was presented twice");
    assert.equal(grant.calls.token, 1);
    assert.equal(grant.calls.refresh, 15, "one refresh per revocation");
    assert.equal(server.counters.tokenRequests, 16);
    assert.deepEqual(unhandled.rejections, []);
  } finally {
    unhandled.stop();
    await server.close();
  }
});

Deno.test("retry() returns a Retry-After longer than maxRetryAfter at once instead of waiting", async () => {
  const server = startFaultServer();
  try {
    server.script("api", { kind: "status", status: 503, retryAfter: "120" });
    const api = createFetch([retry({ maxRetryAfter: 1000 })]);
    const start = performance.now();
    const response = await api(`${server.apiUrl}x`);
    await response.body?.cancel();
    assert.equal(response.status, 503);
    assert.ok(performance.now() - start < 500);
    assert.equal(server.counters.apiRequests, 1);
  } finally {
    await server.close();
  }
});
