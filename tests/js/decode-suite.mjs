// The decode-only module (`ctct-oauth/decode`) against the main one: the same answers, value for value
// and error for error (code, message, hint, field), on good tokens, every bad-input row of its three
// entry points, and token sets. Runs in a browser page (tests/decode-entry.test.mjs).
import { makeCcToken } from "./suite.mjs";
import { badInputRows, runRow } from "./bad-inputs.mjs";

const ENTRIES = new Set(["decodeAccessToken", "tokenExpiresAt", "isExpired"]);

/** What a call gave, comparable across modules: the value, or the error's own fields. */
function outcome(fn) {
  try {
    return { value: fn() };
  } catch (e) {
    return { error: { name: e.name, code: e.code, message: e.message, hint: e.hint, field: e.field } };
  }
}

export async function runDecodeSuite(decode, full) {
  const results = [];
  const check = async (name, fn) => {
    try {
      await fn();
      results.push({ name, ok: true });
    } catch (e) {
      results.push({ name, ok: false, error: String(e?.stack ?? e) });
    }
  };
  const same = (what, call) => {
    const a = JSON.stringify(outcome(() => call(decode)));
    const b = JSON.stringify(outcome(() => call(full)));
    if (a !== b) throw new Error(`${what}: decode entry ${a.slice(0, 300)} != main entry ${b.slice(0, 300)}`);
  };

  await check("exports exactly the three calls and the error class", () => {
    const names = Object.keys(decode).sort().join(",");
    if (names !== "CtctOAuthError,decodeAccessToken,isExpired,tokenExpiresAt") throw new Error(names);
  });

  await check("one CtctOAuthError class across the two entries (instanceof holds either way)", () => {
    if (decode.CtctOAuthError !== full.CtctOAuthError) throw new Error("two classes");
    try {
      decode.decodeAccessToken("not-a-jwt");
    } catch (e) {
      if (!(e instanceof full.CtctOAuthError)) throw new Error("the decode entry's error is not the main one's");
      return;
    }
    throw new Error("nothing thrown");
  });

  const { token, payload } = await makeCcToken();
  const variants = [
    token,
    (await makeCcToken({ scp: "contact_data campaign_data" })).token,
    (await makeCcToken({ platform_user_id: "UNASSIGNED", aud: ["a", "b"] })).token,
    (await makeCcToken({ exp: 1, iat: undefined, nbf: 5 })).token,
  ];
  await check("good tokens: decodeAccessToken, tokenExpiresAt, isExpired agree with the main entry", () => {
    for (const t of variants) {
      same("decodeAccessToken", (lib) => lib.decodeAccessToken(t));
      same("tokenExpiresAt", (lib) => lib.tokenExpiresAt(t));
      same("isExpired", (lib) => lib.isExpired(t, { now: payload.exp - 30, leewaySeconds: 60 }));
    }
    if (decode.tokenExpiresAt(token) !== payload.exp) throw new Error("exp");
  });

  await check("token sets: isExpired agrees (JWT, expiresAt, receivedAt + expiresIn, none)", () => {
    const sets = [
      { accessToken: token },
      { accessToken: "opaque", expiresAt: payload.exp },
      { accessToken: "opaque", receivedAt: payload.exp - 100, expiresIn: 50 },
      { accessToken: "opaque" },
      { refreshToken: "r" },
    ];
    for (const s of sets) same(`isExpired(${JSON.stringify(s).slice(0, 60)})`, (lib) => lib.isExpired(s));
  });

  // Every bad-input row of the three entry points, run through the decode entry, then compared.
  const mixed = { ...full, ...decode };
  const rows = badInputRows(mixed, { browser: true, token, payload }).filter((r) => ENTRIES.has(r.entry));
  await check(`the bad-input corpus has rows for the three entry points (${rows.length})`, () => {
    if (rows.length < 30) throw new Error(`only ${rows.length} rows`);
  });
  const fullRows = badInputRows(full, { browser: true, token, payload }).filter((r) => ENTRIES.has(r.entry));
  for (const [i, row] of rows.entries()) {
    await check(`bad input, ${row.entry}: ${row.name}`, async () => {
      await runRow(mixed, row);
      const a = JSON.stringify(outcome(row.run));
      const b = JSON.stringify(outcome(fullRows[i].run));
      if (a !== b) throw new Error(`decode entry ${a.slice(0, 300)} != main entry ${b.slice(0, 300)}`);
    });
  }
  return results;
}
