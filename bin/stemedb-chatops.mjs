#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx: no build step, no build output to keep in sync.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
