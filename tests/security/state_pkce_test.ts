import assert from "node:assert/strict";
import { SignJWT, UnsecuredJWT } from "jose";
import {
  authorizationCode,
  codeChallengeS256,
  generateCodeVerifier,
  OAuthError,
  signState,
  StateError,
  verifyState,
} from "../../mod.ts";

const KEY = "state-key-of-at-least-32-bytes-long!!";
const OPTS = { key: KEY, clientId: "web", issuer: "https://auth.example.com" };
const T0 = 1_700_000_000_000;

async function rejectsState(state: string, options = OPTS): Promise<void> {
  await assert.rejects(verifyState(state, options), (e: Error) => {
    assert.ok(e instanceof StateError, `${e.name}: ${e.message}`);
    return true;
  });
}

Deno.test("signed states: forged ones are rejected (garbage, another key, alg none, tampered payload)", async () => {
  const good = await signState({ ...OPTS, now: () => T0 });
  await verifyState(good, { ...OPTS, now: () => T0 + 1000 });
  await rejectsState("forged");
  await rejectsState("");
  await rejectsState(await signState({ ...OPTS, key: "another-key-of-at-least-32-bytes-long!" }));
  const none = new UnsecuredJWT({ jti: "x" }).setIssuer(OPTS.issuer).setAudience(OPTS.clientId)
    .setIssuedAt().setExpirationTime("10m").encode();
  await rejectsState(none);
  const hs512 = await new SignJWT({ jti: "x" }).setProtectedHeader({ alg: "HS512" })
    .setIssuer(OPTS.issuer).setAudience(OPTS.clientId).setIssuedAt().setExpirationTime("10m")
    .sign(new TextEncoder().encode(KEY));
  await rejectsState(hs512);
  const [h, p, s] = good.split(".");
  const payload = JSON.parse(atob(p.replace(/-/g, "+").replace(/_/g, "/")));
  payload.exp += 3600;
  const tampered = btoa(JSON.stringify(payload)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
  await rejectsState(`${h}.${tampered}.${s}`);
});

Deno.test("signed states: expired ones are rejected", async () => {
  const state = await signState({ ...OPTS, maxAge: 60_000, now: () => T0 });
  await verifyState(state, { ...OPTS, now: () => T0 + 59_000 });
  await rejectsState(state, { ...OPTS, now: () => T0 + 61_000 } as typeof OPTS);
});

Deno.test("signed states: cross-client and cross-issuer states are rejected", async () => {
  const state = await signState(OPTS);
  await rejectsState(state, { ...OPTS, clientId: "other-client" });
  await rejectsState(state, { ...OPTS, issuer: "https://other.example.com" });
});

function flow(tokenCalls: string[]) {
  const usedCodes = new Set<string>();
  return authorizationCode({
    authorizationUrl: "https://auth.example.com/authorize",
    tokenUrl: "https://auth.example.com/token",
    clientId: "web",
    clientSecret: "web-secret",
    redirectUri: "https://app.example.com/callback",
    fetch: async (input, init) => {
      const form = new URLSearchParams(await new Request(input, init).text());
      const code = form.get("code")!;
      tokenCalls.push(code);
      if (usedCodes.has(code)) {
        return Response.json({ error: "invalid_grant", error_description: "code already used" }, {
          status: 400,
        });
      }
      usedCodes.add(code);
      return Response.json({ access_token: `at-for-${code}`, token_type: "Bearer" });
    },
  });
}

Deno.test("authorization callbacks: a mismatched, missing or another login's state is rejected before the code is spent", async () => {
  const calls: string[] = [];
  const login = flow(calls);
  const a = await login.start();
  const b = await login.start();
  const cb = (state: string | null, code = "c1") =>
    `https://app.example.com/callback?code=${code}${
      state === null ? "" : `&state=${encodeURIComponent(state)}`
    }`;
  for (
    const callback of [
      cb(b.state),
      cb(null),
      cb("forged"),
      cb(a.state + "x"),
      cb(a.state.slice(0, -1)),
    ]
  ) {
    await assert.rejects(login.finish(callback, a), StateError, callback);
  }
  assert.deepEqual(calls, [], "no code exchange for a rejected state");
  // the right state works once; replaying the same callback is refused by the server
  assert.equal((await login.finish(cb(a.state, "c2"), a)).accessToken, "at-for-c2");
  await assert.rejects(login.finish(cb(a.state, "c2"), a), (e: Error) => {
    assert.ok(e instanceof OAuthError && e.error === "invalid_grant");
    return true;
  });
});

Deno.test("PKCE: code verifiers have RFC 7636 entropy (32 random bytes, 43 unreserved chars) and S256 is right", async () => {
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    const v = generateCodeVerifier();
    assert.match(v, /^[A-Za-z0-9\-._~]{43,128}$/);
    assert.equal(v.length, 43);
    assert.ok(!seen.has(v));
    seen.add(v);
    // the last character carries only 4 bits; count the 42 full ones
    for (const ch of v.slice(0, 42)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  // 64 symbols used roughly uniformly: a chi-square far below what a biased generator gives
  assert.equal(counts.size, 64);
  const expected = (2000 * 42) / 64;
  let chi = 0;
  for (const n of counts.values()) chi += (n - expected) ** 2 / expected;
  assert.ok(chi < 140, `chi-square ${chi}`); // df 63: p≈1e-7 at 140
  // RFC 7636 appendix B
  assert.equal(
    await codeChallengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  );
  const { url, codeVerifier } = await flow([]).start();
  assert.equal(url.searchParams.get("code_challenge_method"), "S256");
  assert.equal(url.searchParams.get("code_challenge"), await codeChallengeS256(codeVerifier));
  assert.ok(!url.href.includes(codeVerifier));
});
