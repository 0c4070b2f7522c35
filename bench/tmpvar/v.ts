import { coldRun, type CreateClient } from "../compare/_client.ts";
import { basic, flags } from "./_base.ts";

export const create: CreateClient = (base) => {
  const tokenUrl = `${base}/token`;
  const token = async (): Promise<string> => {
    let signal: AbortSignal | undefined;
    let end = () => {};
    if (flags.has("deadline")) {
      const ctl = new AbortController();
      const clock = AbortSignal.timeout(30_000);
      const tick = () => ctl.abort(new Error("t"));
      clock.addEventListener("abort", tick);
      signal = ctl.signal;
      end = () => clock.removeEventListener("abort", tick);
    }
    if (flags.has("timeoutonly")) {
      signal = AbortSignal.timeout(30_000);
    }
    if (flags.has("ctlonly")) {
      signal = new AbortController().signal;
    }
    if (flags.has("ctltimeout")) {
      const ctl = new AbortController();
      AbortSignal.timeout(30_000);
      signal = ctl.signal;
    }
    if (flags.has("onabort")) {
      const ctl = new AbortController();
      const clock = AbortSignal.timeout(30_000);
      clock.onabort = () => ctl.abort(new Error("t"));
      signal = ctl.signal;
      end = () => {
        clock.onabort = null;
      };
    }
    if (flags.has("any")) {
      const ctl = new AbortController();
      signal = AbortSignal.any([ctl.signal, AbortSignal.timeout(30_000)]);
    }
    if (flags.has("placeholder")) {
      const placeholder = new Request(tokenUrl, { method: "POST", signal });
      signal = placeholder.signal;
      const onAbort = () => {};
      signal.addEventListener("abort", onAbort, { once: true });
    }
    let headers: HeadersInit = { authorization: basic() };
    if (flags.has("headers")) {
      const h = new Headers(undefined);
      for (const [k, v] of new Headers(undefined)) h.set(k, v);
      h.set("accept", "application/json");
      h.set("content-type", "application/x-www-form-urlencoded;charset=UTF-8");
      h.set("authorization", basic());
      headers = h;
    }
    const response = await fetch(tokenUrl, {
      method: "POST",
      headers,
      body: new URLSearchParams({ grant_type: "client_credentials" }),
      redirect: flags.has("placeholder") ? "manual" : "follow",
      signal,
    });
    let body: Record<string, unknown>;
    if (flags.has("text")) {
      const declared = response.headers.get("content-length");
      /^\s*\d+\s*$/.test(declared ?? "");
      const text = await response.text();
      body = JSON.parse(text);
    } else body = await response.json();
    end();
    return body.access_token as string;
  };
  return async (url) => {
    if (flags.has("regex")) {
      const r = [
        /^\s*\d+\s*$/,
        /^\s*identity\s*$/i,
        /application\/x-www-form-urlencoded/i,
        /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/,
        /^[A-Za-z0-9\-._~+/]+=*$/,
        /^127(\.\d{1,3}){3}$/,
      ];
      for (const x of r) x.test("127.0.0.1");
    }
    if (flags.has("abort")) {
      const c = new AbortController();
      const f = () => {};
      c.signal.addEventListener("abort", f, { once: true });
      c.signal.removeEventListener("abort", f);
    }
    if (flags.has("url")) {
      const u = new URL(url);
      void u.origin;
      void u.hostname;
    }
    const value = `Bearer ${await token()}`;
    if (flags.has("request")) {
      const request = new Request(url, { redirect: "manual" });
      request.headers.set("authorization", value);
      return fetch(request);
    }
    return fetch(url, { headers: { authorization: value } });
  };
};

if (import.meta.main) await coldRun(create);
