// The real node's teardown as a command, for the watchdog (src/runtime/child-watchdog.ts) to run
// when the process that started the node ended without stopping it. argv: <plan.json>, the
// NodeTeardownPlan real-node.ts wrote into the node's folder. Prints what could not be undone.
import { readFileSync } from 'node:fs';
import { type NodeTeardownPlan, tearDownNode } from './node-teardown.ts';

const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as NodeTeardownPlan;
const problems = await tearDownNode(plan);
for (const problem of problems) console.error(`node teardown: ${problem}`);
process.exit(problems.length === 0 ? 0 : 1);
