#!/usr/bin/env node
// The `resource-store` command: runs the TypeScript CLI through tsx (a runtime dependency), so the
// package needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
