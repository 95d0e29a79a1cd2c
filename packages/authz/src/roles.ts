/**
 * Roles: named sets of operations. The five built-in roles are UCP's, and their sets are fixed here so
 * docs/rbac.md and the code cannot drift: a test compares its table of operations with these sets.
 *
 * - None: nothing. Grants only ever add rights, so None cannot take away what a grant above gives; it
 *   exists so that a subject can be placed on a collection, visibly, without rights.
 * - View Only: see every resource type (lists, inspect, logs of services and tasks are not included:
 *   logs can hold secrets printed by applications, so they need Restricted Control).
 * - Restricted Control: view and change everything, but never reach outside a container (no exec, bind
 *   mounts, privileged, host namespaces, capabilities, devices) and never change or remove nodes.
 * - Scheduler: view nodes and schedule workloads on them. UCP grants it to everyone on /Shared.
 * - Full Control: every operation.
 */
import { ALL_OPERATIONS, ESCAPE_OPERATIONS, type Operation } from './operations.js';

export interface Role {
  /** Stable id; built-in roles use their kebab-case name. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly builtin: boolean;
  readonly operations: ReadonlySet<Operation>;
}

const VIEW_OPERATIONS = ALL_OPERATIONS.filter((op) => op.endsWith('.view'));
const NODE_CHANGES: readonly Operation[] = ['node.update', 'node.remove'];

function builtin(id: string, name: string, description: string, operations: Iterable<Operation>): Role {
  return { id, name, description, builtin: true, operations: new Set(operations) };
}

export const BUILTIN_ROLES: readonly Role[] = [
  builtin('none', 'None', 'No access.', []),
  builtin('view-only', 'View Only', 'See resources; change nothing.', VIEW_OPERATIONS),
  builtin(
    'restricted-control',
    'Restricted Control',
    'See and change resources, but no exec, bind mounts, privileged mode, host namespaces, added capabilities or devices, and no node changes.',
    ALL_OPERATIONS.filter((op) => !ESCAPE_OPERATIONS.includes(op) && !NODE_CHANGES.includes(op)),
  ),
  builtin('scheduler', 'Scheduler', 'See nodes and schedule workloads on them.', [
    'node.view',
    'node.schedule',
  ]),
  builtin('full-control', 'Full Control', 'Every operation.', ALL_OPERATIONS),
];

export const BUILTIN_ROLE_IDS = {
  none: 'none',
  viewOnly: 'view-only',
  restrictedControl: 'restricted-control',
  scheduler: 'scheduler',
  fullControl: 'full-control',
} as const;
