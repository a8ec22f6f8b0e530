/** Every case, in the order `npm run bench` runs them. */
import type { BenchCase } from '../lib/context.ts';
import { authWalkCase } from './auth-walk.ts';
import { fanoutCase } from './fanout.ts';
import { httpDescendantsCase, httpListCase, httpListDataCase } from './http-lists.ts';
import { httpGetCase } from './http-reads.ts';
import { httpWriteCase } from './http-writes.ts';
import { importCase } from './import.ts';
import { peerCase } from './peer.ts';
import { listCase, pointGetCase } from './reads.ts';
import { relationshipsCase } from './relationships.ts';
import { scaleCase } from './scale.ts';
import { traverseCase } from './traverse.ts';
import { writeCase } from './writes.ts';

/**
 * The cases: reads on the shared cluster first, then the cases that make their own stores, last the
 * comparison with PostgreSQL + PostGraphile (skipped where the peer cannot run).
 */
export const CASES: readonly BenchCase[] = [
  pointGetCase,
  listCase,
  relationshipsCase,
  traverseCase,
  authWalkCase,
  writeCase,
  httpGetCase,
  httpListCase,
  httpListDataCase,
  httpDescendantsCase,
  httpWriteCase,
  fanoutCase,
  importCase,
  scaleCase,
  peerCase,
];
