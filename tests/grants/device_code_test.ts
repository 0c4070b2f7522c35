import assert from "node:assert/strict";
import {
  deviceCode,
  type DevicePollProgress,
  type DevicePrompt,
  OAuthError,
  tokenSource,
} from "../../mod.ts";
import { DEVICE_CLIENT_ID, startOidcProvider } from "../peers/oidc_provider.ts";
import { approveDeviceCode } from "../peers/oidc_interactions.ts";

Deno.test("deviceCode() runs the device flow end to end while polling, then refreshes", async () => {
  const peer = await startOidcProvider();
  try {
    let approval: Promise<void> | undefined;
    const prompts: DevicePrompt[] = [];
    const waits: number[] = [];
    const progress: DevicePollProgress[] = [];
    const grant = deviceCode({
      issuer: peer.issuer,
      clientId: DEVICE_CLIENT_ID,
      scope: "openid offline_access",
      onPrompt(prompt) {
        prompts.push(prompt);
        approval = approveDeviceCode(prompt.verificationUri, prompt.userCode, { login: "carol" });
      },
      onPoll: (p) => progress.push(p),
      // The first poll finds the request pending; the second waits for the user to approve.
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 2) await approval;
      },
    });
    assert.equal(grant.interactive, true);
    const tokens = tokenSource(grant);
    const token = await tokens.getToken();
    assert.equal(typeof token.refreshToken, "string");
    assert.equal(typeof token.idToken, "string");
    assert.equal(prompts.length, 1);
    assert.match(prompts[0].userCode, /^[A-Z]{4}-[A-Z]{4}$/);
    assert.equal(prompts[0].verificationUri, `${peer.issuer}/device`);
    assert.equal(prompts[0].verificationUriComplete?.includes(prompts[0].userCode), true);
    assert.equal(prompts[0].expiresIn, 600);
    assert.deepEqual(waits, [5000, 5000], "the default 5 s interval");
    assert.deepEqual(progress.map((p) => p.attempt), [0, 1]);
    assert(progress[0].remaining > 590_000 && progress[0].remaining <= 600_000);

    // Renewal uses the refresh token: nobody is asked again.
    const renewed = await tokens.getToken({ rejected: token.accessToken });
    assert.notEqual(renewed.accessToken, token.accessToken);
    assert.equal(prompts.length, 1);
  } finally {
    await peer.close();
  }
});

Deno.test("deviceCode() maps a denied request to OAuthError access_denied", async () => {
  const peer = await startOidcProvider();
  try {
    let denial: Promise<void> | undefined;
    const grant = deviceCode({
      issuer: peer.issuer,
      clientId: DEVICE_CLIENT_ID,
      scope: "openid",
      onPrompt: (p) => {
        denial = approveDeviceCode(p.verificationUri, p.userCode, { deny: true });
      },
      sleep: () => denial!,
    });
    await assert.rejects(
      () => grant.token(),
      (e) => e instanceof OAuthError && e.error === "access_denied",
    );
  } finally {
    await peer.close();
  }
});

/** A scripted stand-in authorization server for cases the provider cannot produce. */
function standIn(
  device: Record<string, unknown>,
  answers: Record<string, unknown>[],
) {
  const polls: URLSearchParams[] = [];
  const deviceRequests: URLSearchParams[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const form = new URLSearchParams(await request.text());
    if (new URL(request.url).pathname === "/device") {
      deviceRequests.push(form);
      return Response.json({
        device_code: "dev-code-secret",
        user_code: "ABCD-EFGH",
        verification_uri: "https://as.example/device",
        expires_in: 600,
        ...device,
      });
    }
    polls.push(form);
    const answer = answers[Math.min(polls.length - 1, answers.length - 1)];
    return Response.json(answer, { status: "error" in answer ? 400 : 200 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    polls,
    deviceRequests,
    options: {
      deviceAuthorizationUrl: `${base}/device`,
      tokenUrl: `${base}/token`,
      clientId: "cli",
    },
    close: () => server.shutdown(),
  };
}

const pending = { error: "authorization_pending" };
const granted = {
  access_token: "at-1",
  token_type: "Bearer",
  expires_in: 60,
  refresh_token: "rt-1",
};

Deno.test("deviceCode() adds 5 s on slow_down, or uses the interval sent with it", async () => {
  const peer = standIn({ interval: 2 }, [
    pending,
    { error: "slow_down" },
    { error: "slow_down", interval: 15 },
    pending,
    granted,
  ]);
  try {
    const waits: number[] = [];
    const token = await deviceCode({
      ...peer.options,
      scope: ["offline_access", "read"],
      audience: "https://api.example",
      params: { extra: "1" },
      onPrompt: () => {},
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    }).token();
    assert.equal(token.accessToken, "at-1");
    assert.deepEqual(waits, [2000, 2000, 7000, 15000, 15000]);
    const sent = peer.deviceRequests[0];
    assert.equal(sent.get("client_id"), "cli");
    assert.equal(sent.get("scope"), "offline_access read");
    assert.equal(sent.get("audience"), "https://api.example");
    assert.equal(sent.get("extra"), "1");
    assert.equal(peer.polls[0].get("grant_type"), "urn:ietf:params:oauth:grant-type:device_code");
    assert.equal(peer.polls[0].get("device_code"), "dev-code-secret");
  } finally {
    await peer.close();
  }
});

Deno.test("deviceCode() maps expired_token to OAuthError", async () => {
  const peer = standIn({}, [pending, { error: "expired_token" }]);
  try {
    await assert.rejects(
      () => deviceCode({ ...peer.options, onPrompt() {}, sleep: () => Promise.resolve() }).token(),
      (e) => e instanceof OAuthError && e.error === "expired_token" && !/dev-code/.test(e.message),
    );
  } finally {
    await peer.close();
  }
});

Deno.test("deviceCode() stops at expires_in with a clear error", async () => {
  const peer = standIn({ expires_in: 12, interval: 5 }, [pending]);
  try {
    let now = 1_000_000;
    const waits: number[] = [];
    await assert.rejects(
      () =>
        deviceCode({
          ...peer.options,
          now: () => now,
          onPrompt() {},
          sleep: (ms) => {
            waits.push(ms);
            now += ms;
            return Promise.resolve();
          },
        }).token(),
      (e) => e instanceof OAuthError && e.error === "expired_token" && /12 s/.test(e.message),
    );
    assert.deepEqual(waits, [5000, 5000, 2000], "the last wait ends at the deadline");
    assert.equal(peer.polls.length, 2);
  } finally {
    await peer.close();
  }
});

Deno.test("deviceCode() honours the caller's AbortSignal while waiting", async () => {
  const peer = standIn({ interval: 1 }, [pending]);
  try {
    const controller = new AbortController();
    const started = Date.now();
    const result = deviceCode({ ...peer.options, onPrompt() {} }).token({
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error("user pressed Ctrl-C")), 20);
    await assert.rejects(() => result, /Ctrl-C/);
    assert(Date.now() - started < 900, "aborted during the real 1 s wait");
    assert.equal(peer.polls.length, 0);
  } finally {
    await peer.close();
  }
});

Deno.test("deviceCode() checks its options and the device authorization response", async () => {
  assert.throws(
    () => deviceCode({ tokenUrl: "https://as.example/t" } as never),
    TypeError,
  );
  assert.throws(() => deviceCode({ onPrompt() {}, interval: 0 }), RangeError);
  const peer = standIn({ user_code: undefined }, [pending]);
  try {
    await assert.rejects(
      () => deviceCode({ ...peer.options, onPrompt() {} }).token(),
      /user_code/,
    );
  } finally {
    await peer.close();
  }
});
