// PreemptionAsync, as upstream scheduler_perf's workload of that name (its
// 500Nodes shape by default): nodes of 4 CPU / 32Gi / 110 pods, each holding 4
// low-priority pods of 900m (3.6 CPU used, bound on create); a churn of
// high-priority pods (priority 10, 3 CPU: each must preempt 3 victims) created
// every 200 ms; and the measured pods (100m, always schedulable) created
// unscheduled before the scheduler starts. The figure is the measured pods'
// throughput: how many per second between their first and last bind, read from
// the NATS server's timestamps of the binding writes in the store's stream (a
// measured pod that a preemptor evicts loses its history with its deletion and
// counts as bound, uncounted in the rate).
// Reached through `npm run bench -- scheduler --workload=PreemptionAsync
// [--nodes=500] [--initial=2000] [--pods=500] [--core=native] [--churn=false]
// [--apiserver=in-process]`; --churn=false is the baseline: the same cluster
// without preemptors. The apiserver is its own process unless --apiserver=in-process
// (figures then get the suffix _apiserverInProcess), as in bench/suites/scheduler.mjs.
import { connect } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { OBJECTS_BUCKET, OBJECTS_STREAM, PODS, PRIORITYCLASSES } from '@skiff/api';
import { figure, machine, table } from '../report.mjs';
import { apiClients, createObjects, nodeObject, startCluster } from './cluster.mjs';
import { measuredScheduler } from './measured-scheduler.mjs';

const ALLOCATABLE = { cpu: '4', memory: '32Gi', pods: '110' };
const LOW = { cpu: '900m', memory: '500Mi', priority: 0 };
const HIGH = { cpu: '3', memory: '500Mi', priority: 10 };
const MEASURED = { cpu: '100m', memory: '500Mi', priority: 0 };
const CHURN_INTERVAL_MS = 200;
const TIMEOUT_MS = 120_000;
const SETTLE_MS = 15_000;
const decoder = new TextDecoder();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function option(args, name, fallback) {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(hit.indexOf('=') + 1);
}

/** The PriorityClass a pod of that priority names (the Priority admission refuses a bare spec.priority). */
const priorityClassName = (priority) => `bench-priority-${priority}`;

function priorityClass(priority) {
  return [
    PRIORITYCLASSES,
    '',
    { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: priorityClassName(priority) }, value: priority },
  ];
}

/** A pod of the given shape; bound to `nodeName` when given; terminationGracePeriodSeconds 0 as upstream's templates. */
function pod(name, { cpu, memory, priority }, nodeName) {
  return [
    PODS,
    'default',
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        ...(nodeName === undefined ? {} : { nodeName }),
        priorityClassName: priorityClassName(priority),
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu, memory } } }],
      },
    },
  ];
}

/**
 * Reads the pod writes after `afterRevision` from the store's stream: for each
 * name prefix, the first bind time (NATS server timestamp, ms) of every pod, and
 * how many pods of each prefix were deleted.
 */
async function podHistory(natsUrl, afterRevision) {
  const nc = await connect({ servers: natsUrl });
  try {
    const consumer = await jetstream(nc).consumers.get(OBJECTS_STREAM, {
      filter_subjects: `$KV.${OBJECTS_BUCKET}.core.pods.>`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: afterRevision + 1,
    });
    const bound = new Map();
    const deleted = new Set();
    for (let done = false; !done;) {
      let fetched = 0;
      for await (const m of await consumer.fetch({ max_messages: 2000, expires: 1000 })) {
        fetched++;
        const name = m.subject.slice(m.subject.lastIndexOf('.') + 1);
        const op = m.headers?.get('KV-Operation');
        if (op === 'DEL' || op === 'PURGE' || m.data.length === 0) deleted.add(name);
        else {
          const object = JSON.parse(decoder.decode(m.data));
          if (object?.metadata?.deletionTimestamp !== undefined) deleted.add(name);
          const node = object?.spec?.nodeName;
          if (typeof node === 'string' && node !== '' && !bound.has(name)) bound.set(name, m.info.timestampNanos / 1e6);
        }
        if (m.info.pending === 0) done = true;
      }
      if (fetched === 0) done = true;
    }
    await consumer.delete().catch(() => undefined);
    return { bound, deleted };
  } finally {
    await nc.close();
  }
}

function span(bound, prefix) {
  const times = [...bound].filter(([name]) => name.startsWith(prefix)).map(([, t]) => t);
  return { count: times.length, firstMs: Math.min(...times), lastMs: Math.max(...times) };
}

export async function run(args) {
  const nodes = Number(option(args, 'nodes', '500'));
  const initial = Number(option(args, 'initial', String(nodes * 4)));
  const pods = Number(option(args, 'pods', '500'));
  const core = option(args, 'core', 'native');
  const churn = option(args, 'churn', 'true') !== 'false';
  const apiserver = option(args, 'apiserver', 'process');
  process.stdout.write(`scheduler on ${machine()}\n`);
  process.stdout.write(
    `PreemptionAsync: ${nodes} nodes, ${initial} low-priority pods, a 3-CPU priority-10 pod every ${CHURN_INTERVAL_MS} ms, ${pods} measured pods; core ${core}\n`,
  );
  const cluster = await startCluster({ apiserver });
  try {
    const clients = apiClients(cluster.apiUrl, 8);
    for (const p of new Set([LOW.priority, HIGH.priority, MEASURED.priority])) await clients[0].create(...priorityClass(p));
    await createObjects(clients, nodes, (i) => nodeObject(`node-${i}`, ALLOCATABLE));
    await createObjects(clients, initial, (i) => pod(`low-${i}`, LOW, `node-${i % nodes}`));
    await createObjects(clients, pods, (i) => pod(`pod-${i}`, MEASURED));
    await cluster.waitPublished();
    const startRevision = await cluster.storeRevision();

    const subject = await measuredScheduler(cluster, { core });
    let churned = 0;
    let churning = churn;
    const churner = (async () => {
      while (churning) {
        await clients[0].create(...pod(`high-${churned++}`, HIGH));
        await sleep(CHURN_INTERVAL_MS);
      }
    })();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    try {
      await subject.scheduler.start();
      const scheduledOf = async () => (await subject.attempts()).scheduled;
      // Every measured pod, and the preemptors created so far, bound; then let the last preemptions settle.
      while ((await scheduledOf()) < pods) {
        if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`measured pods not bound after ${TIMEOUT_MS} ms`);
        await sleep(20);
      }
      churning = false;
      await churner;
      const settleEnd = performance.now() + SETTLE_MS;
      while ((await scheduledOf()) < pods + churned && performance.now() < settleEnd) await sleep(50);
    } finally {
      churning = false;
      await churner.catch(() => undefined);
      await subject.stop();
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const { bound, deleted } = await podHistory(cluster.natsUrl, startRevision);
    // A measured pod may itself become a victim (priority 0); its deletion purges its history.
    const measured = span(bound, 'pod-');
    const measuredVictims = [...deleted].filter((n) => n.startsWith('pod-')).length;
    const purged = [...deleted].filter((n) => n.startsWith('pod-') && !bound.has(n)).length;
    if (measured.count + purged !== pods) throw new Error(`expected ${pods} measured binds, found ${measured.count} (+${purged} purged)`);
    const podsPerSecond = measured.count / ((measured.lastMs - measured.firstMs) / 1000);
    const preemptors = span(bound, 'high-').count;
    const victims = [...deleted].filter((n) => n.startsWith('low-')).length + measuredVictims;
    table([
      {
        workload: `PreemptionAsync_${nodes}Nodes${churn ? '' : ' (no churn)'}`,
        'measured pods/s': podsPerSecond.toFixed(0),
        'first→last measured bind s': ((measured.lastMs - measured.firstMs) / 1000).toFixed(2),
        'preemptors bound/created': `${preemptors}/${churned}`,
        'victims deleted': victims,
        'node CPU (cores)': ((cpu.user + cpu.system) / 1000 / ms).toFixed(2),
      },
    ]);
    const metric = `PreemptionAsync_${nodes}Nodes_${pods}Pods${core === 'native' ? '' : `_${core}`}${churn ? '' : '_noChurn'}${apiserver === 'process' ? '' : '_apiserverInProcess'}`;
    figure('scheduler', metric, podsPerSecond, 'pods/s');
    if (churn) figure('scheduler', `${metric}_preemptorsBound`, preemptors, 'pods');
  } finally {
    await cluster.stop();
  }
}
