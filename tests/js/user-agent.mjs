// A scripted user for the local authorization server's pages: keeps cookies, follows redirects by hand,
// fills and submits the forms. Enough HTML handling for those pages, no more.
export class ScriptedUser {
  constructor() {
    this.cookies = new Map();
  }

  #cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  #store(res) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** One request, no redirect following. */
  async request(url, { method = "GET", form } = {}) {
    const res = await fetch(url, {
      method,
      redirect: "manual",
      headers: {
        cookie: this.#cookieHeader(),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    this.#store(res);
    return res;
  }

  /**
   * Follows redirects from `url` until one leads to a URL starting with `stopAt` (returned, not fetched),
   * or a page answers 200 (returned as { url, html }).
   */
  async follow(url, { stopAt, method, form } = {}) {
    let current = url;
    let res = await this.request(current, { method, form });
    for (let hops = 0; hops < 20; hops++) {
      if (res.status >= 300 && res.status < 400) {
        const next = new URL(res.headers.get("location"), current).href;
        if (stopAt && next.startsWith(stopAt)) return { redirect: next };
        current = next;
        res = await this.request(current);
        continue;
      }
      return { url: current, status: res.status, html: await res.text() };
    }
    throw new Error("too many redirects");
  }

  /** The fields and action of the first form in html whose action or id matches `match`. */
  static form(html, baseUrl, match = "") {
    const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
    const f = forms.find((m) => m[1].includes(match)) ?? forms[0];
    if (!f) throw new Error(`no form in page: ${html.slice(0, 300)}`);
    const action = /action="([^"]*)"/.exec(f[1])?.[1] ?? baseUrl;
    const fields = {};
    for (const m of f[2].matchAll(/<input\b([^>]*)>/gi)) {
      const name = /name="([^"]*)"/.exec(m[1])?.[1];
      if (name && !/type="submit"/.test(m[1])) fields[name] = /value="([^"]*)"/.exec(m[1])?.[1] ?? "";
    }
    return { action: new URL(action.replace(/&amp;/g, "&"), baseUrl).href, fields };
  }

  /** From an authorize URL: sign in as `login`, then allow (or deny), and return the redirect URL. */
  async authorize(authorizeUrl, { login = "owner@example.com", decision = "allow", redirectUri }) {
    let page = await this.follow(authorizeUrl, { stopAt: redirectUri });
    if (page.redirect) return page.redirect;
    for (let step = 0; step < 4; step++) {
      if (/id="login-form"/.test(page.html)) {
        const { action } = ScriptedUser.form(page.html, page.url, "login");
        page = await this.follow(action, { method: "POST", form: { login, password: "x" }, stopAt: redirectUri });
      } else if (/name="decision"/.test(page.html)) {
        const { action } = ScriptedUser.form(page.html, page.url, "confirm");
        page = await this.follow(action, { method: "POST", form: { decision }, stopAt: redirectUri });
      } else {
        throw new Error(`unexpected page ${page.url} ${page.status}: ${page.html.slice(0, 400)}`);
      }
      if (page.redirect) return page.redirect;
    }
    throw new Error("authorization did not finish");
  }

  /** The device flow's user side: enter the code at /activate, confirm, sign in, allow or deny. */
  async approveDevice(verificationUri, userCode, { login = "owner@example.com", decision = "allow" } = {}) {
    let page = await this.follow(verificationUri);
    let f = ScriptedUser.form(page.html, page.url, "op.deviceInputForm");
    page = await this.follow(f.action, { method: "POST", form: { ...f.fields, user_code: userCode } });
    f = ScriptedUser.form(page.html, page.url, "op.deviceConfirmForm");
    page = await this.follow(f.action, { method: "POST", form: { ...f.fields, confirm: "yes" } });
    for (let step = 0; step < 4 && !/Device connected|Something went wrong|Access was denied/.test(page.html); step++) {
      if (/id="login-form"/.test(page.html)) {
        const { action } = ScriptedUser.form(page.html, page.url, "login");
        page = await this.follow(action, { method: "POST", form: { login, password: "x" } });
      } else if (/name="decision"/.test(page.html)) {
        const { action } = ScriptedUser.form(page.html, page.url, "confirm");
        page = await this.follow(action, { method: "POST", form: { decision } });
      } else {
        throw new Error(`unexpected device page ${page.url}: ${page.html.slice(0, 400)}`);
      }
    }
    return page;
  }
}
