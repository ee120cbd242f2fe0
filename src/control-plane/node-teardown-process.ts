// The real node's teardown as a command, for the watchdog (src/runtime/child-watchdog.ts) to run
// when the process that started the node ended without stopping it. argv: <plan.json>, the
// NodeTeardownPlan real-node.ts wrote into the node's folder. Prints what could not be undone.
// Releases the machine's real-node lock last, whatever is left: the process that held it is gone,
// and its watchdog, the lock's other holder, ends after this.
import { readFileSync } from 'node:fs';
import { type NodeTeardownPlan, tearDownNode } from './node-teardown.ts';
import { releaseRealNodeLock } from './real-node-lock.ts';

const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as NodeTeardownPlan;
const problems = await tearDownNode(plan);
if (plan.lock) await releaseRealNodeLock(plan.lock.path, plan.lock.pid).catch(() => false);
for (const problem of problems) console.error(`node teardown: ${problem}`);
process.exit(problems.length === 0 ? 0 : 1);
