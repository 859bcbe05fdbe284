// A stub of the Constant Contact V3 API under /v3: the Bearer JWT checked against the key set (and the deny list of
// revoked access tokens), CC's error shapes (401 {"error_key":"unauthorized",...}, 403, 404), 429 answers by the
// api429 switch; /v3/account/summary and /v3/account/user/privileges answer.

/**
 * The API's handler: `verifyAccessJwt(token)` resolves to the claims of an access token this server signed (or
 * rejects); `revokedJti` is the deny list; `stats.api` counts the calls.
 */
export function createApiStub({ switches, stats, revokedJti, verifyAccessJwt }) {
  return async function api(ctx) {
    stats.api += 1;
    ctx.set("Access-Control-Allow-Origin", "*");
    ctx.set("Access-Control-Allow-Headers", "Content-Type,X-Amz-Date,Authorization,X-Api-Key");
    ctx.set("Access-Control-Allow-Methods", "GET,POST,PUT,DELETE,PATCH,OPTIONS");
    if (ctx.method === "OPTIONS") {
      ctx.status = 204;
      return;
    }
    if (switches.api429 === "throttled") {
      ctx.status = 429;
      ctx.body = [{ error_key: "throttled", error_message: "Too Many Requests" }];
      return;
    }
    if (switches.api429 === "quota_exceeded") {
      ctx.status = 429;
      ctx.body = { error_key: "quota_exceeded", error_message: "Limit Exceeded" };
      return;
    }
    if (switches.api429 === "queued") {
      // As a third-party catalogue of CC's errors shows the bulk-activity limit: no error_key.
      ctx.status = 429;
      ctx.body = [{ error_key: null, error_message: "You exceeded 1,000 queued activities" }];
      return;
    }
    const m = /^Bearer\s+(\S+)$/.exec(ctx.get("authorization"));
    const claims = m ? await verifyAccessJwt(m[1]).catch(() => null) : null;
    if (!claims || revokedJti.has(claims.jti)) {
      ctx.status = 401;
      ctx.set("WWW-Authenticate", "Bearer realm=api.cc.email");
      ctx.type = "application/json";
      ctx.body = '{"error_key":"unauthorized","error_message":"Unauthorized"}';
      return;
    }
    if (ctx.path === "/v3/account/user/privileges" && ctx.method === "GET") {
      ctx.body = [
        { privilege_id: "1", privilege_name: "account:read" },
        { privilege_id: "2", privilege_name: "contacts:write" },
      ];
      return;
    }
    if (ctx.path === "/v3/account/summary" && ctx.method === "GET") {
      if (!(claims.scp ?? []).includes("account_read")) {
        ctx.status = 403;
        ctx.body = [{ error_key: "unauthorized", error_message: "This token lacks the account_read scope." }];
        return;
      }
      ctx.body = {
        encoded_account_id: claims.platform_user_id,
        contact_email: claims.sub,
        organization_name: "Local Test Co.",
        country_code: "US",
        time_zone_id: "US/Eastern",
      };
      return;
    }
    ctx.status = 404;
    ctx.body = [{ error_key: "not_found", error_message: "No such resource in the local API stub." }];
  };
}
