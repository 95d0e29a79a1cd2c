export {
  runWhileLeader,
  DEFAULT_LEADER_TTL_SECONDS,
  type LeaderChange,
  type LeaderFn,
  type LeaderHandle,
  type LeaderOptions,
} from './election.js';
export {
  currentLeader,
  isNotLeader,
  leaderTxn,
  notLeaderError,
  termCompare,
  type LeaderInfo,
  type LeaderTerm,
} from './fencing.js';
export { checkElectionName, leaderKey, LEADER_PREFIX } from './keys.js';
export { LeaseSession, type LeaseSessionOptions } from './lease-session.js';
export { Backoff, sleep } from './abortable.js';
