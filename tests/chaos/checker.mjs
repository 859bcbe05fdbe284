// Judges one chaos run's evidence (./run.mjs) against the guarantees the README states:
//   G1 spent once: the token endpoint never processes one refresh token twice, except in the stated
//      windows (each counted by name): the answer was lost in transit; the process that received the new
//      pair died, or was paused past its lease, before storing it; the store was unreachable for longer
//      than the lease meanwhile; the store lost writes it had acknowledged (no persistence); a process
//      was paused past its lease between its last lease check and its request.
//   G2 never discarded: every pair the server issued is stored, superseded by a newer record (refused by
//      the store, and revoked), spent again by its holder, or lost in one of those windows.
//   G3 final: no refresh record is ever written over a newer sign-out or a newer sign-in's record, and the
//      store ends with the last sign-in or sign-out.
//   G4 paced: consecutive token requests arrive at least the lane's gap apart and none is refused 429,
//      except around a process paused past its lease or a store unreachable past it.
//   G5 visible: every call settled with a value or a typed error (a code), no error or log line a process
//      printed holds a token it held, no call hung, every process settled when told.

/** Faults that lose acknowledged writes: a restart of a store without persistence, a failover (replicas lag). */
const DATA_LOSS = new Set(["stop", "kill", "kill-node", "failover"]);

/** [from, to] intervals of the harness's log, from start/end event pairs. */
function intervals(harness, startEv, endEv, key) {
  const open = new Map();
  const out = [];
  const end = harness.find((h) => h.ev === "end")?.at ?? Infinity;
  for (const h of harness) {
    if (h.ev === startEv) open.set(key(h), h);
    else if (h.ev === endEv && open.has(key(h))) {
      out.push({ ...open.get(key(h)), from: open.get(key(h)).at, to: h.at });
      open.delete(key(h));
    }
  }
  for (const h of open.values()) out.push({ ...h, from: h.at, to: end });
  return out;
}

const overlaps = (i, from, to) => i.from <= to && i.to >= from;
const length = (i) => i.to - i.from;

export function check(evidence) {
  const { schedule, harness, ledger, logs, final, start } = evidence;
  const lease = schedule.session.lockTtlMs;
  const violations = [];
  const windows = {};
  const violation = (guarantee, detail) => violations.push({ guarantee, ...detail });
  const windowed = (name) => ((windows[name] = (windows[name] ?? 0) + 1), true);

  const events = Object.values(logs).flat();
  const of = (pred) => events.filter(pred);
  const pauses = intervals(harness, "stop", "cont", (h) => h.id);
  const outages = intervals(harness, "fault-start", "fault-end", (h) => `${h.target}:${h.fault}`).filter(
    (o) => o.target === "store",
  );
  const killed = new Map(harness.filter((h) => h.ev === "kill").map((h) => [h.id, h.at]));
  const dataLoss = outages
    .filter((o) => DATA_LOSS.has(o.fault) && (!schedule.durable || o.fault === "failover"))
    .map((o) => (o.fault === "failover" ? o.from : o.to));
  const lostWritesBetween = (from, to) => dataLoss.some((t) => t >= from && t <= to);
  const paused = (w, from, to) => pauses.some((p) => p.id === w && overlaps(p, from, to) && length(p) >= lease);
  const unreachable = (from, to) => outages.some((o) => overlaps(o, from, to) && length(o) >= lease);
  // When w's lease would run out, as of time t: its last lease taken or renewed by then, plus the lease.
  const leaseEnd = (w, t) => {
    const held = (x) => (x.op === "lock" && x.lease === true) || (x.op === "renew" && x.out === true);
    const last = of((x) => x.w === w && x.ev === "store" && x.ok && x.t <= t && held(x)).at(-1);
    return last ? last.t + lease : -Infinity;
  };
  // The store was unreachable, within [from, to], until w's lease ran out (100 ms for the two clocks).
  const unreachableLeaseOut = (w, from, to) =>
    outages.some((o) => overlaps(o, from, to) && o.to >= leaseEnd(w, o.from) - 100);

  const tokenRequests = ledger.filter((e) => e.type === "token" && e.at >= start);
  const refreshes = tokenRequests.filter((e) => e.grant === "refresh_token");
  // Spent: oidc-provider handled it (a refusal before it, the 1/s limit or a fault answered instead, is not).
  const processed = (e) => e.processed && (e.status === 200 || e.error === "invalid_grant");
  const revoked = new Set(ledger.filter((e) => e.type === "revocation" && e.status === 200).map((e) => e.token));
  const stored = new Map(); // pair -> first time a store took it
  for (const h of harness.filter((x) => x.ev === "seeded")) stored.set(h.rt, h.at);
  for (const e of of((x) => x.ev === "store" && x.op === "set" && x.ok && x.out === true && x.rt)) {
    if (!stored.has(e.rt)) stored.set(e.rt, e.t);
  }
  const refusedAt = new Set(of((x) => x.ev === "store" && x.op === "set" && x.ok && x.out === false).map((x) => x.rt));
  const sends = of((x) => x.ev === "send" && x.grant === "refresh_token");
  const recvs = of((x) => x.ev === "recv");

  // G1: each refresh token processed more than once, explained or a violation.
  const byToken = new Map();
  for (const e of refreshes.filter(processed)) byToken.set(e.presented, [...(byToken.get(e.presented) ?? []), e]);
  for (const [rt, list] of byToken) {
    if (list.length < 2) continue;
    const [first, ...again] = list;
    const issued = first.issued?.refreshToken ?? null;
    const s0 = sends.filter((s) => s.rt === rt && s.t <= first.at + 50).at(-1);
    const got = s0 && recvs.find((x) => x.w === s0.w && x.rt === rt && x.t >= s0.t);
    const keptAt = issued ? stored.get(issued) : undefined;
    for (const p of again) {
      const sk = sends.filter((s) => s.rt === rt && s.t <= p.at + 50).at(-1);
      const explained =
        // No process got the pair (a reset, a timeout, a cut or truncated answer): the spend is unknowable.
        ((!got || first.delivered === false || (issued && !recvs.some((x) => x.issued === issued))) &&
          windowed("answer lost in transit")) ||
        (got && killed.get(got.w) > got.t && !(keptAt < killed.get(got.w)) && windowed("holder died before storing")) ||
        // (Paused from its request on: a process stopped with its request in flight reads the answer late.)
        (got && paused(got.w, s0.t, keptAt ?? p.at) && windowed("holder paused past its lease before storing")) ||
        (got &&
          (unreachable(got.t, keptAt ?? p.at) || unreachableLeaseOut(got.w, got.t, keptAt ?? p.at)) &&
          windowed("store unreachable past the lease before storing")) ||
        (keptAt !== undefined && lostWritesBetween(keptAt, p.at) && windowed("store lost acknowledged writes")) ||
        (s0 && paused(s0.w, s0.t - lease, first.at) && windowed("paused between lease check and request")) ||
        (sk && paused(sk.w, sk.t, p.at) && windowed("paused between lease check and request"));
      if (!explained) violation("G1", { rt, presentations: list.map((e) => e.at - start), senders: [s0?.w, sk?.w] });
    }
  }

  // G2: every pair issued during the run is accounted for.
  const spentLater = new Set(refreshes.filter(processed).map((e) => e.presented));
  const handedOut = new Set(harness.filter((h) => h.ev === "seeded" || h.ev === "signin").map((h) => h.rt));
  const issuedPairs = [
    ...tokenRequests.filter((x) => x.issued?.refreshToken),
    // Sign-ins seeded before the run that it handed to a store or a process.
    ...ledger.filter((x) => x.type === "seed" && handedOut.has(x.issued?.refreshToken)),
  ];
  for (const e of issuedPairs) {
    const pair = e.issued.refreshToken;
    if (stored.has(pair) || revoked.has(pair) || refusedAt.has(pair) || spentLater.has(pair)) continue;
    const receiver = recvs.find((x) => x.issued === pair) ?? of((x) => x.ev === "signin" && x.rt === pair)[0];
    const explained = !receiver
      ? windowed("answer lost in transit")
      : (killed.get(receiver.w) > receiver.t && windowed("holder died before storing")) ||
        ((unreachable(receiver.t, Infinity) || unreachableLeaseOut(receiver.w, receiver.t, Infinity)) &&
          windowed("store unreachable past the lease before storing")) ||
        (lostWritesBetween(receiver.t, Infinity) && windowed("store lost acknowledged writes"));
    if (!explained) violation("G2", { pair, issuedAt: e.at - start, receiver: receiver?.w });
  }

  // G3: refresh records only extend their own sign-in; the store ends with the last user action.
  for (const account of schedule.accounts) {
    const sets = of((x) => x.ev === "store" && x.op === "set" && x.account === account && x.ok && x.out === true).sort(
      (a, b) => a.t - b.t,
    );
    const byVersion = new Map([[1, { version: 1, chain: 1, kind: "tokens", t: start }]]);
    for (const s of sets) byVersion.set(s.version, s);
    // What the store held at version v - 1 when s was written: the last such write before s. (A store that
    // lost its data sees a version written twice, by different chains; byVersion keeps the later.)
    const heldBefore = (s) => {
      const earlier = sets.filter((x) => x.version === s.version - 1 && x.t <= s.t);
      return earlier.at(-1) ?? (s.version === 2 ? byVersion.get(1) : undefined);
    };
    for (const s of sets) {
      if (s.kind !== "tokens" || s.chain === s.version) continue; // a sign-in
      const before = heldBefore(s);
      if (!before || lostWritesBetween(before.t, s.t)) continue;
      // Over a record of a newer sign-in (its chain), or a newer sign-out or dead mark (its version), a refresh
      // undid a user's action. Over an older chain's record it is a sign-in whose own record was superseded
      // before it landed (written past a record stored meanwhile): the newer sign-in, as it should be.
      const newerThanChain = (before.kind === "tokens" ? before.chain : before.version) > s.chain;
      if (newerThanChain) {
        violation("G3", { account, wrote: s.version, over: before.kind, chain: [before.chain, s.chain] });
      }
    }
    // The last user action by its version: a sign-out's own, a sign-in's (the chain of every record that
    // descends from it, also when the sign-in's own record was superseded before it landed).
    const actions = [...byVersion.values()].map((s) =>
      s.kind === "signed_out" ? { at: s.version, out: true } : { at: s.chain, chain: s.chain },
    );
    const last = actions.sort((a, b) => a.at - b.at).at(-1);
    const end = final[account];
    if (lostWritesBetween(start, Infinity) || !last || end?.error) continue;
    const ok = last.out ? end?.signedOut === true && end.version >= last.at : end?.chain === last.chain;
    if (!ok) violation("G3", { account, lastUser: last.out ? "signed_out" : "signed_in", at: last.at, final: end });
  }

  // G4: the token endpoint's pace.
  const arrivals = tokenRequests.filter((e) => e.grant === "refresh_token").sort((a, b) => a.at - b.at);
  arrivals.forEach((e, i) => {
    const early = i > 0 && e.at - arrivals[i - 1].at < schedule.gapMs - 1;
    if (!early && e.status !== 429) return;
    const from = (arrivals[i - 1]?.at ?? e.at) - lease;
    const explained =
      (pauses.some((p) => overlaps(p, from, e.at) && length(p) >= lease) &&
        windowed("paused past the lane's lease (pace)")) ||
      (unreachable(from, e.at) && windowed("store unreachable past the lease (pace)"));
    if (!explained)
      violation("G4", { at: e.at - start, gap: i > 0 ? e.at - arrivals[i - 1].at : null, status: e.status });
  });

  // G5: visible, typed, no token shown, nothing hung.
  for (const e of of((x) => ["untyped", "leak", "hang", "order-failed", "unflushed"].includes(x.ev))) {
    violation("G5", { event: e.ev, worker: e.w, detail: e.context ?? e.op ?? e.message });
  }
  for (const h of harness.filter((x) => x.ev === "stuck")) violation("G5", { event: "stuck", worker: h.id });
  for (const c of evidence.crashed ?? []) {
    if (!killed.has(c.id)) violation("G5", { event: "crashed", worker: c.id, stderr: c.stderr });
  }
  const stats = {
    requests: tokenRequests.length,
    refreshes: refreshes.length,
    pairs: tokenRequests.filter((x) => x.issued?.refreshToken).length,
    calls: of((x) => x.ev === "call").length,
    failedCalls: of((x) => x.ev === "call" && !x.ok).length,
    faults: harness.filter((h) => ["fault-start", "kill", "stop"].includes(h.ev)).length,
    processes: Object.keys(logs).length,
  };
  return { violations, windows, stats };
}
