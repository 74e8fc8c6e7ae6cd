// Objects for the api bench: pod bodies as a client POSTs them, and stored
// pods, nodes and namespaces as the apiserver would hold them after a pod was
// created, bound and reported Running by its kubelet (about 2 KB of JSON each,
// the size of a small real pod), for loading the store directly.
import { randomUUID } from 'node:crypto';

const CREATED = '2026-11-28T00:00:00Z';

/** A pod as a controller or kubectl sends it: one container with requests and limits. */
export function podBody(namespace, name) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'bench', 'pod-template-hash': '5d4f8c7b9' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.k8s.io/pause:3.9',
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
        },
      ],
    },
  };
}

function ip(i, base) {
  return `${base}.${(i >> 8) & 255}.${i & 255}`;
}

/** A stored namespace (no resourceVersion: the store's revision is it). */
export function storedNamespace(name) {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid: randomUUID(), creationTimestamp: CREATED, generation: 1, labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** A stored pod, defaulted, bound to `nodeName` and Running. */
export function storedPod(namespace, name, nodeName, i) {
  const podIP = ip(i, '10.244');
  const condition = (type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: CREATED });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      uid: randomUUID(),
      creationTimestamp: CREATED,
      generation: 1,
      labels: { app: 'bench', 'pod-template-hash': '5d4f8c7b9' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'bench-5d4f8c7b9',
          uid: 'a3c1e1d2-0d6b-4d55-9a8e-6f1f5b0c2e11',
          controller: true,
        },
      ],
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.k8s.io/pause:3.9',
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      securityContext: {},
      enableServiceLinks: true,
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
      serviceAccountName: 'default',
      nodeName,
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    },
    status: {
      phase: 'Running',
      qosClass: 'Burstable',
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
      hostIP: ip(i % 5000, '192.168'),
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: CREATED,
      containerStatuses: [
        {
          name: 'app',
          state: { running: { startedAt: CREATED } },
          lastState: {},
          ready: true,
          restartCount: 0,
          image: 'registry.k8s.io/pause:3.9',
          imageID: 'registry.k8s.io/pause@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097',
          containerID: `skiff://${randomUUID()}`,
          started: true,
        },
      ],
    },
  };
}

/** A stored node with capacity, conditions, addresses and node info. */
export function storedNode(name, i) {
  const condition = (type, status, reason) => ({
    type,
    status,
    lastHeartbeatTime: CREATED,
    lastTransitionTime: CREATED,
    reason,
    message: `kubelet reports ${reason}`,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: randomUUID(),
      creationTimestamp: CREATED,
      generation: 1,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/zone': `zone-${i % 3}`,
        'node.kubernetes.io/instance-type': 'bench-4x16',
      },
    },
    spec: { podCIDR: `10.244.${i % 256}.0/24` },
    status: {
      capacity: { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      allocatable: { cpu: '3900m', memory: '15Gi', pods: '110', 'ephemeral-storage': '95Gi' },
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID'),
        condition('Ready', 'True', 'KubeletReady'),
      ],
      addresses: [
        { type: 'InternalIP', address: ip(i, '192.168') },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: randomUUID().replaceAll('-', ''),
        systemUUID: randomUUID(),
        bootID: randomUUID(),
        kernelVersion: '6.18.0',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'skiff://0.1.0',
        kubeletVersion: 'v1.32.0-skiff.0.1.0',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}
