#!/usr/bin/env node
// The `stevedore` command. Stevedore runs its TypeScript sources directly through tsx's loader (no build
// step, so a fresh `npm ci` is enough and there is never a stale dist/); see docs/ARCHITECTURE.md.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
