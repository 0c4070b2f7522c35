/**
 * Headless "browser" for the oidc-provider peer ({@link ./oidc_provider.ts}): drives the
 * devInteractions login/consent pages and the device-flow verification pages with plain `fetch`,
 * `redirect: "manual"` and a small cookie jar.
 *
 * @module
 */

/** Options shared by {@link completeAuthorization} and {@link approveDeviceCode}. */
export interface InteractionOptions {
  /** Login name (becomes the `sub`). Default `"alice"`. Any password is accepted. */
  login?: string;
  /** Abort instead of approving, so the client receives `access_denied`. */
  deny?: boolean;
}

const MAX_STEPS = 25;

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
}

/** Minimal RFC 6265-ish cookie jar (host + path matching, expiry = deletion). */
class CookieJar {
  #cookies: StoredCookie[] = [];

  store(url: URL, response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attrs] = header.split(";");
      const eq = pair.indexOf("=");
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = url.pathname.slice(0, url.pathname.lastIndexOf("/")) || "/";
      let expired = false;
      for (const attr of attrs) {
        const i = attr.indexOf("=");
        const key = (i === -1 ? attr : attr.slice(0, i)).trim().toLowerCase();
        const val = i === -1 ? "" : attr.slice(i + 1).trim();
        if (key === "path" && val.startsWith("/")) path = val;
        if (key === "max-age" && Number(val) <= 0) expired = true;
        if (key === "expires" && Date.parse(val) <= Date.now()) expired = true;
      }
      this.#cookies = this.#cookies.filter((c) =>
        !(c.name === name && c.host === url.hostname && c.path === path)
      );
      if (!expired) this.#cookies.push({ name, value, host: url.hostname, path });
    }
  }

  header(url: URL): string | undefined {
    const matching = this.#cookies.filter((c) =>
      c.host === url.hostname &&
      (url.pathname === c.path ||
        url.pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`))
    );
    if (matching.length === 0) return undefined;
    // Longer paths first, as browsers do.
    matching.sort((a, b) => b.path.length - a.path.length);
    return matching.map((c) => `${c.name}=${c.value}`).join("; ");
  }
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const lower = e.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[lower];
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-zA-Z_:.-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    out[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "");
  }
  return out;
}

interface Form {
  id?: string;
  action: URL;
  method: string;
  fields: Record<string, string>;
}

function parseForms(htmlText: string, base: URL): Form[] {
  const forms: Form[] = [];
  for (const m of htmlText.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = attributes(m[1]);
    const fields: Record<string, string> = {};
    for (const input of m[2].matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributes(input[1]);
      if (a.name) fields[a.name] = a.value ?? "";
    }
    forms.push({
      id: attrs.id,
      action: new URL(attrs.action || base.href, base),
      method: (attrs.method || "get").toUpperCase(),
      fields,
    });
  }
  return forms;
}

function pageText(htmlText: string): string {
  return htmlText.replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/gi, "")
    .replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 500);
}

class Browser {
  #jar = new CookieJar();

  async request(url: URL, form?: Record<string, string>): Promise<Response> {
    const headers = new Headers({ accept: "text/html" });
    const cookie = this.#jar.header(url);
    if (cookie) headers.set("cookie", cookie);
    let body: URLSearchParams | undefined;
    if (form) {
      body = new URLSearchParams(form);
      headers.set("content-type", "application/x-www-form-urlencoded");
    }
    const response = await fetch(url, {
      method: form ? "POST" : "GET",
      headers,
      body,
      redirect: "manual",
    });
    this.#jar.store(url, response);
    return response;
  }
}

type PageResult = { done: true; value?: URL } | { next: URL; form?: Record<string, string> };

/**
 * Shared page loop: follows redirects within the provider, hands every HTML page to `onPage`.
 * A redirect leaving the provider's origin ends the loop (its Location is returned).
 */
async function browse(
  start: URL,
  onPage: (url: URL, status: number, htmlText: string) => PageResult,
): Promise<URL | undefined> {
  const browser = new Browser();
  const origin = start.origin;
  let url = start;
  let form: Record<string, string> | undefined;
  for (let step = 0; step < MAX_STEPS; step++) {
    const response = await browser.request(url, form);
    form = undefined;
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get("location");
      if (!location) throw new Error(`redirect without Location from ${url}`);
      const next = new URL(location, url);
      if (next.origin !== origin) return next;
      url = next;
      continue;
    }
    const text = await response.text();
    const result = onPage(url, response.status, text);
    if ("done" in result) return result.value;
    url = result.next;
    form = result.form;
  }
  throw new Error(`oidc interaction did not finish within ${MAX_STEPS} requests`);
}

/** Handles the devInteractions login/consent pages (and abort). Undefined if not such a page. */
function interactionStep(
  htmlText: string,
  url: URL,
  login: string,
  deny: boolean,
): PageResult | undefined {
  const forms = parseForms(htmlText, url);
  const prompt = forms.find((f) => f.fields.prompt !== undefined);
  if (!prompt) return undefined;
  if (deny) {
    const abort = /<a\b[^>]*href="([^"]*\/abort)"/i.exec(htmlText);
    if (!abort) throw new Error(`no abort link on the ${prompt.fields.prompt} page ${url}`);
    return { next: new URL(decodeEntities(abort[1]), url) };
  }
  if (prompt.fields.prompt === "login") {
    return { next: prompt.action, form: { ...prompt.fields, login, password: "any-password" } };
  }
  return { next: prompt.action, form: { ...prompt.fields } };
}

/**
 * Follows an authorization URL through the devInteractions login + consent pages using plain
 * fetch and a cookie jar, logging in as `login`; returns the final redirect URL (the client's
 * redirect_uri with code & state, or error=access_denied when `deny`) WITHOUT requesting it.
 *
 * For `response_mode=form_post` the auto-submitted form's fields are returned as the query of its
 * action URL. Throws (with the page text) when the provider renders an error page instead of
 * redirecting, e.g. for an unregistered redirect_uri.
 */
export async function completeAuthorization(
  authorizationUrl: string | URL,
  options: InteractionOptions = {},
): Promise<URL> {
  const login = options.login ?? "alice";
  const deny = options.deny ?? false;
  const start = new URL(authorizationUrl);
  const result = await browse(start, (url, status, htmlText) => {
    const step = interactionStep(htmlText, url, login, deny);
    if (step) return step;
    const forms = parseForms(htmlText, url);
    if (status < 400 && /<title>Submitting Callback<\/title>/i.test(htmlText) && forms[0]) {
      const target = new URL(forms[0].action);
      for (const [k, v] of Object.entries(forms[0].fields)) target.searchParams.set(k, v);
      return { done: true, value: target };
    }
    throw new Error(`unexpected page (HTTP ${status}) at ${url}: ${pageText(htmlText)}`);
  });
  if (!result) throw new Error("authorization ended without a redirect");
  return result;
}

/**
 * Approves (or denies) a device user code through the provider's device verification pages
 * (`verification_uri`, or `verification_uri_complete`), logging in and consenting. With `deny: true` the user clicks "Abort" on
 * the confirmation page; the device then receives `access_denied` when polling.
 */
export async function approveDeviceCode(
  verificationUri: string,
  userCode: string,
  options: InteractionOptions = {},
): Promise<void> {
  const login = options.login ?? "alice";
  const deny = options.deny ?? false;
  let aborted = false;
  const leftProvider = await browse(new URL(verificationUri), (url, status, htmlText) => {
    const forms = parseForms(htmlText, url);
    const input = forms.find((f) => f.id === "op.deviceInputForm");
    const confirm = forms.find((f) => f.id === "op.deviceConfirmForm");
    // The input page is re-rendered with the error name (NotFoundError, AbortedError, ...).
    const error = /<p class="error">([^<]*)<\/p>/.exec(htmlText)?.[1];
    if (aborted) {
      if (error === "AbortedError") return { done: true };
      throw new Error(`unexpected page after abort (HTTP ${status}): ${pageText(htmlText)}`);
    }
    if (error || status >= 400) {
      throw new Error(
        `device verification failed (HTTP ${status}) at ${url}: ${pageText(htmlText)}`,
      );
    }
    if (confirm) {
      if (deny) {
        aborted = true;
        return { next: confirm.action, form: { ...confirm.fields, abort: "yes" } };
      }
      return { next: confirm.action, form: { ...confirm.fields } };
    }
    if (input) {
      return { next: input.action, form: { ...input.fields, user_code: userCode } };
    }
    // verification_uri_complete (`?user_code=`) renders an auto-submitting form instead.
    const autoSubmit = forms.find((f) => f.fields.xsrf !== undefined && f.method === "POST");
    if (autoSubmit && /<title>Submitting Callback<\/title>/i.test(htmlText)) {
      return { next: autoSubmit.action, form: { ...autoSubmit.fields } };
    }
    const step = interactionStep(htmlText, url, login, false);
    if (step) return step;
    if (/Sign-in Success/i.test(htmlText)) return { done: true };
    throw new Error(`unexpected device page (HTTP ${status}) at ${url}: ${pageText(htmlText)}`);
  });
  if (leftProvider) throw new Error(`device verification redirected away to ${leftProvider}`);
}
