// A seeded pseudo-random generator (sfc32, seeded through splitmix32): the same seed gives the same
// schedule on every machine, so a seed printed by a failing run replays it.

function splitmix32(a) {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return ((t ^ (t >>> 15)) >>> 0) / 4294967296;
  };
}

export function prng(seed) {
  const init = splitmix32(Number(seed) >>> 0);
  let [a, b, c, d] = [init(), init(), init(), init()].map((x) => (x * 4294967296) >>> 0);
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  const r = {
    next,
    /** A whole number in [lo, hi]. */
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
    /** One of `weights`' keys, with its weight. */
    weighted(weights) {
      const total = Object.values(weights).reduce((s, w) => s + w, 0);
      let x = next() * total;
      for (const [k, w] of Object.entries(weights)) if ((x -= w) < 0) return k;
      return Object.keys(weights).at(-1);
    },
  };
  return r;
}
