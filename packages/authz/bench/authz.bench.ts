/**
 * `npm run bench:authz`: decision latency of the authorizer on a large cluster model — 10,000 grants,
 * 1,000 collections up to depth 5, 100 teams in 10 orgs, 5,000 users — with p50/p99/max per decision.
 * Inputs are drawn from a seeded generator so runs are comparable. Goal: p99 at most 20 µs.
 */
import { AccessModel, ALL_OPERATIONS, authorize, BUILTIN_ROLES } from '../src/index.js';

function rng(seed: number): () => number {
  // mulberry32: small, fast, good enough to spread the model's shape
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = rng(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const model = new AccessModel();
const users = Array.from({ length: 5000 }, (_, i) => `user${i}`);
for (const name of users) model.putUser({ name, admin: false, active: true });
const teams: [string, string][] = [];
for (let o = 0; o < 10; o++) {
  model.addOrg(`org${o}`);
  for (let t = 0; t < 10; t++) {
    model.addTeam(`org${o}`, `team${t}`);
    teams.push([`org${o}`, `team${t}`]);
  }
}
for (const name of users) {
  for (let k = 1 + Math.floor(random() * 3); k > 0; k--) {
    const [org, team] = pick(teams);
    model.addTeamMember(org, team, name);
  }
}
const collections: string[] = ['/Shared'];
while (collections.length < 1000) {
  const parent = pick(collections);
  if (parent.split('/').length > 5) continue; // depth 5 at most below the root
  const path = `${parent}/c${collections.length}`;
  model.addCollection(path);
  collections.push(path);
}
const roles = BUILTIN_ROLES.map((r) => r.id);
for (let g = 0; g < 10_000; g++) {
  const r = random();
  const subject =
    r < 0.6
      ? { kind: 'user' as const, id: pick(users) }
      : r < 0.95
        ? { kind: 'team' as const, id: pick(teams).join('/') }
        : { kind: 'org' as const, id: `org${Math.floor(random() * 10)}` };
  model.addGrant({ id: `g${g}`, subject, roleId: pick(roles), collection: pick(collections) });
}

const N = 200_000;
const requests = Array.from({ length: N }, () => ({
  user: pick(users),
  operation: pick(ALL_OPERATIONS),
  collection: pick(collections),
}));
for (const req of requests.slice(0, 20_000)) authorize(model, req); // warm up the JIT

const samples = new Float64Array(N);
let allowed = 0;
for (let i = 0; i < N; i++) {
  const start = process.hrtime.bigint();
  const d = authorize(model, requests[i]!);
  samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  if (d.allowed) allowed++;
}
samples.sort();
const at = (q: number) => samples[Math.min(N - 1, Math.floor(q * N))]!.toFixed(2);
console.log('authz bench: 10,000 grants, 1,000 collections (depth <= 5), 100 teams, 5,000 users');
console.log(`decisions: ${N} (${((allowed / N) * 100).toFixed(1)}% allowed)`);
console.log(
  `p50 ${at(0.5)} µs   p99 ${at(0.99)} µs   p99.9 ${at(0.999)} µs   max ${at(1)} µs   (goal: p99 <= 20 µs)`,
);
