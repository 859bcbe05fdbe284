// The pages a person (or a test driving a browser) sees: sign-in and consent (with "deny"), the device flow's
// activation pages, and errors. Plain forms, styled a little like Constant Contact's; any user name signs in.
import { readBody, words } from "./requests.mjs";

export const html = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const STYLE = [
  "body{font:16px/1.5 system-ui,sans-serif;background:#f4f6fa;color:#1d2433;margin:0}",
  "main{max-width:26rem;margin:3rem auto;background:#fff;border-radius:10px;padding:1.5rem;box-shadow:0 1px 3px #0002}",
  "h1{font-size:1.3rem;margin-top:0}.brand{color:#1856ed;font-weight:700}",
  "label{display:block;margin:.75rem 0;font-weight:600}",
  "input[type=text],input[type=password]{display:block;width:100%;box-sizing:border-box;padding:.5rem;font:inherit;",
  "border:1px solid #c9cfdb;border-radius:6px;margin-top:.25rem}",
  "button{font:inherit;padding:.55rem 1.1rem;border:0;border-radius:6px;background:#1856ed;color:#fff;cursor:pointer;",
  "margin-right:.5rem}button.deny{background:#e6ebf7;color:#1d2433}ul{padding-left:1.2rem}small{color:#5b6477}",
].join("");
export const page = (title, body) =>
  '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
  `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${html(title)}</title>` +
  `<link rel="icon" href="data:,">\n<style>${STYLE}</style></head>\n` +
  `<body><main><p class="brand">Constant Contact (local test server)</p>${body}</main></body></html>`;

/** The device flow's pages, as oidc-provider's `features.deviceFlow` sources. */
export const DEVICE_PAGES = {
  async userCodeInputSource(ctx, form, _out, err) {
    const denied = err && (err.name === "AbortedError" || err.error === "access_denied");
    const msg = denied
      ? "<p><strong>Access was denied.</strong> The device was not connected.</p>"
      : err
        ? "<p><strong>That code did not work.</strong> Check it and try again.</p>"
        : "<p>Enter the code shown on your device.</p>";
    ctx.body = page(
      "Activate a device",
      `<h1>Activate a device</h1>${msg}${form}<button type="submit" form="op.deviceInputForm">Next</button>`,
    );
  },
  async userCodeConfirmSource(ctx, form, client, _info, userCode) {
    ctx.body = page(
      "Confirm the device",
      `<h1>Confirm the device</h1><p><strong>${html(client.clientId)}</strong> shows the code ` +
        `<code>${html(userCode)}</code>.</p>${form}` +
        '<button type="submit" form="op.deviceConfirmForm">Continue</button>' +
        '<button class="deny" type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Cancel</button>',
    );
  },
  async successSource(ctx) {
    ctx.body = page(
      "Device connected",
      "<h1>Device connected</h1><p>You can close this page and return to your device.</p>",
    );
  },
};

/** oidc-provider's `renderError`: an error page. */
export function renderError(ctx, out) {
  ctx.type = "html";
  ctx.body = page(
    "Error",
    `<h1>Something went wrong</h1><p><code>${html(out.error)}</code> ${html(out.error_description ?? "")}</p>`,
  );
}

/** Login and consent (/interaction/<uid>[/login|/abort|/confirm]), as plain forms a test (or a person) can drive. */
export async function interaction(provider, ctx) {
  const [, , uid, action] = ctx.path.split("/");
  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (e) {
    ctx.status = 400;
    ctx.body = page("Expired", `<h1>This sign-in has expired</h1><p>${html(e.message)}</p>`);
    return;
  }
  if (details.uid !== uid) {
    ctx.status = 400;
    ctx.body = page("Error", "<h1>Unknown sign-in</h1>");
    return;
  }
  const form = ctx.method === "POST" ? new URLSearchParams(await readBody(ctx.req)) : null;
  const finish = async (result) => {
    const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(to);
  };
  const { prompt, params } = details;
  if (prompt.name === "login") {
    if (action === "login" && form) {
      const login = (form.get("login") ?? "").trim();
      if (!login) {
        ctx.body = loginPage(uid, "Enter a user name.");
        return;
      }
      return finish({ login: { accountId: login } });
    }
    if (action === "abort")
      return finish({ error: "access_denied", error_description: "End-User aborted interaction" });
    ctx.body = loginPage(uid);
    return;
  }
  // consent
  if (action === "confirm" && form) {
    if (form.get("decision") !== "allow") {
      return finish({ error: "access_denied", error_description: "The user denied access." });
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
      grant.addResourceScope(indicator, scopes.join(" "));
    const grantId = await grant.save();
    return finish({ consent: { grantId } });
  }
  const requested = words(params.scope);
  ctx.body = page(
    "Allow access",
    `<h1>Allow access?</h1><p><strong>${html(params.client_id)}</strong> asks to:</p>` +
      `<ul>${requested.map((s) => `<li><code>${html(s)}</code></li>`).join("")}</ul>\n` +
      `<form method="post" action="/interaction/${uid}/confirm">` +
      '<button type="submit" name="decision" value="allow" id="allow">Allow</button>' +
      '<button class="deny" type="submit" name="decision" value="deny" id="deny">Deny</button></form>',
  );
}

function loginPage(uid, error) {
  return page(
    "Sign in",
    `<h1>Sign in</h1>${error ? `<p><strong>${html(error)}</strong></p>` : ""}` +
      `<form method="post" action="/interaction/${uid}/login" id="login-form">\n` +
      '<label>User name <input type="text" name="login" id="login" value="owner@example.com" ' +
      'autocomplete="username"></label>\n' +
      '<label>Password <input type="password" name="password" id="password" value="any password works"></label>\n' +
      '<button type="submit" id="sign-in">Sign in</button></form>' +
      `<p><small><a href="/interaction/${uid}/abort" id="cancel">Cancel</a> · any user name works on this local ` +
      "server; <code>unassigned@…</code> gets <code>platform_user_id: UNASSIGNED</code>.</small></p>",
  );
}
