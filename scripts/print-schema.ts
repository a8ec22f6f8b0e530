/**
 * Writes the schema's SDL to `schema/schema.graphql`, the file clients and codegen read. A test fails
 * while the checked-in file differs from the schema.
 */
import { writeFileSync } from 'node:fs';
import { printSchemaSDL } from '../src/schema/index.ts';

const target = new URL('../schema/schema.graphql', import.meta.url);
writeFileSync(target, `${printSchemaSDL()}\n`);
console.log(`wrote ${target.pathname}`);
