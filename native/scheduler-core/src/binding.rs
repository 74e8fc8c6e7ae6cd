//! The JavaScript face of the core: the napi-rs class `SchedulerCore` and its object types.
//!
//! Numbers arrive as JS numbers and are read as `i64` (napi truncates toward zero; NaN and
//! ±Infinity read as 0). Callers must pass non-negative integers no larger than 2^53.

use napi::bindgen_prelude::{Float64Array, Float64ArraySlice, Uint32Array};
use napi::{Error, Result, Status};
use napi_derive::napi;

use crate::affinity::{Labels, PodAffinity};
use crate::balanced_allocation::Weights;
use crate::kernel::Isa;
use crate::node_table::{Allocatable, NodeTable, Requests};
use crate::scan::{self, Constraints, Decision};
use crate::taints::{triples, Taint, Toleration};

/// One node's schedulable resources, as the scheduler's node cache knows them.
#[napi(object)]
#[derive(Clone, Debug)]
pub struct NodeResources {
    /// The node's name (its key in the table).
    pub name: String,
    /// Allocatable cpu in millicores.
    pub allocatable_milli_cpu: i64,
    /// Allocatable memory in bytes.
    pub allocatable_memory_bytes: i64,
    /// How many pods the node accepts.
    pub allocatable_pods: i64,
    /// `spec.unschedulable` (cordoned): the node accepts no new pod.
    pub unschedulable: bool,
}

/// A pod's resource requests, computed once in TypeScript. `nonZero*` are the requests used
/// for scoring (a container without a cpu request counts as 100m, without a memory request as
/// 200Mi); the filters use the real requests.
#[napi(object)]
#[derive(Clone, Copy, Debug)]
pub struct PodRequests {
    /// Requested cpu in millicores (real requests; used by the filter).
    pub milli_cpu: i64,
    /// Requested memory in bytes (real requests; used by the filter).
    pub memory_bytes: i64,
    /// Cpu in millicores with the 100m default per container (used by the score).
    pub non_zero_milli_cpu: i64,
    /// Memory in bytes with the 200Mi default per container (used by the score).
    pub non_zero_memory_bytes: i64,
}

impl From<PodRequests> for Requests {
    fn from(p: PodRequests) -> Self {
        Requests {
            milli_cpu: p.milli_cpu,
            memory_bytes: p.memory_bytes,
            non_zero_milli_cpu: p.non_zero_milli_cpu,
            non_zero_memory_bytes: p.non_zero_memory_bytes,
        }
    }
}

/// Per filter reason, how many nodes failed with it; a node may count under several.
#[napi(object)]
#[derive(Clone, Copy, Debug)]
pub struct ScheduleReasons {
    /// Nodes rejected because they are unschedulable (no other reason is counted for them).
    pub unschedulable: u32,
    /// Nodes already holding their allocatable number of pods.
    pub too_many_pods: u32,
    /// Nodes without enough unrequested cpu.
    pub insufficient_cpu: u32,
    /// Nodes without enough unrequested memory.
    pub insufficient_memory: u32,
    /// Nodes with a NoSchedule/NoExecute taint the pod does not tolerate (counted alone).
    pub untolerated_taint: u32,
    /// Nodes not matching the pod's node selector or required node affinity (counted alone).
    pub node_affinity: u32,
}

/// The outcome of scheduling one pod.
#[napi(object, use_nullable = true)]
#[derive(Clone, Debug)]
pub struct ScheduleResult {
    /// The chosen node, or null when no node passes the filters.
    pub node_name: Option<String>,
    /// Its least-allocated score 0..100 (0 when nodeName is null).
    pub score: i64,
    /// How many nodes were feasible (passed every filter).
    pub feasible_nodes: u32,
    /// Per reason, how many nodes failed with it.
    pub reasons: ScheduleReasons,
}

/// How many numbers `SchedulerCore.scheduleInto` writes into its `out` array.
#[napi]
pub const SCHEDULE_INTO_LENGTH: u32 = 8;

/// How many numbers `SchedulerCore.scheduleBatchInto` reads per pod.
#[napi]
pub const BATCH_POD_LENGTH: u32 = 4;

/// How many numbers `SchedulerCore.scheduleBatchInto` writes per pod.
#[napi]
pub const BATCH_RESULT_LENGTH: u32 = 9;

/// Reads a number the way napi reads an `i64`: truncated toward zero, non-finite as 0.
fn js_int(x: f64) -> i64 {
    if x.is_finite() {
        x as i64
    } else {
        0
    }
}

/// The numeric part of a decision: `[score, feasibleNodes, unschedulable, tooManyPods,
/// insufficientCpu, insufficientMemory, untoleratedTaint, nodeAffinity]`.
fn numbers(d: &Decision) -> [f64; 8] {
    [
        d.score as f64,
        f64::from(d.feasible),
        f64::from(d.reasons.unschedulable),
        f64::from(d.reasons.too_many_pods),
        f64::from(d.reasons.insufficient_cpu),
        f64::from(d.reasons.insufficient_memory),
        f64::from(d.reasons.untolerated_taint),
        f64::from(d.reasons.node_affinity),
    ]
}

/// The scheduler's filter and score core: a node table with per-node pod accounting that
/// filters (NodeUnschedulable, NodeResourcesFit) and scores (LeastAllocated, cpu and memory
/// weight 1) every node for one pod, or for a batch of pods.
///
/// Table order: new nodes are appended; removeNode moves the last node into the freed slot.
#[napi]
pub struct SchedulerCore {
    table: NodeTable,
    /// The tolerations and node affinity of the pods the next calls schedule (see
    /// `setTolerations`, `setAffinity`).
    constraints: Constraints,
}

impl Default for SchedulerCore {
    fn default() -> Self {
        Self::new()
    }
}

#[napi]
impl SchedulerCore {
    /// An empty core.
    #[napi(constructor)]
    pub fn new() -> Self {
        SchedulerCore {
            table: NodeTable::new(),
            constraints: Constraints::default(),
        }
    }

    /// Adds a node or replaces its allocatable resources and unschedulable flag; a known node
    /// keeps its place and its accounted pods. A new node takes over pods added under its
    /// name before it was known. Returns the node's index in table order (a new node's is the
    /// old nodeCount).
    #[napi]
    pub fn upsert_node(&mut self, node: NodeResources) -> u32 {
        let row = self.table.upsert(
            &node.name,
            Allocatable {
                milli_cpu: node.allocatable_milli_cpu,
                memory_bytes: node.allocatable_memory_bytes,
                pods: node.allocatable_pods,
            },
            node.unschedulable,
        );
        row as u32
    }

    /// Replaces the taints of the node at `index` (table order) with `taints`: triples
    /// `[key, value, effect]` of interned ids (key and value >= 1, effect 1 NoSchedule, 2
    /// PreferNoSchedule, 3 NoExecute; the caller leaves out taints with another effect). The
    /// TypeScript wrapper interns the strings and calls this after every upsertNode. An index
    /// out of range is a no-op.
    #[napi]
    pub fn set_node_taints(&mut self, index: u32, taints: Uint32Array) {
        self.set_node_taints_ids(index as usize, &taints);
    }

    /// Sets the tolerations of the pods that schedule, scheduleInto, scheduleBatch,
    /// scheduleBatchInto and scoreAll place from now on: triples `[key, value, effect]` of
    /// interned ids where key 0 is the empty key (every key), value 0 is operator Exists
    /// (every value) and effect 0 the empty effect (every effect). An empty array: no
    /// tolerations.
    #[napi]
    pub fn set_tolerations(&mut self, tolerations: Uint32Array) {
        self.set_toleration_ids(&tolerations);
    }

    /// Replaces the labels of the node at `index` (table order): `[nameId, nameNumber, count,
    /// (key, value, number)*]` with interned ids, `number` being the value (or the name) read
    /// as an integer for Gt/Lt, NaN when it is not one (see `affinity.rs`). The wrapper calls
    /// this after every upsertNode. An index out of range or a malformed array is ignored.
    #[napi]
    pub fn set_node_labels(&mut self, index: u32, labels: Float64ArraySlice) {
        self.set_node_labels_values(index as usize, labels.as_ref());
    }

    /// Sets the node selector and node affinity of the pods the next calls schedule, in the
    /// flat encoding of `affinity.rs` (an empty array: none). Throws on a malformed array.
    #[napi]
    pub fn set_affinity(&mut self, affinity: Float64ArraySlice) -> Result<()> {
        self.constraints.affinity = PodAffinity::decode(affinity.as_ref())
            .ok_or_else(|| Error::new(Status::InvalidArg, "setAffinity: malformed affinity"))?;
        Ok(())
    }

    /// Forgets the node and its accounted pods; the last node moves into its place. Returns
    /// the index the node had, or -1 for an unknown name (a no-op).
    #[napi]
    pub fn remove_node(&mut self, name: String) -> i32 {
        self.table.remove(&name).map_or(-1, |i| i as i32)
    }

    /// Accounts a bound or assumed pod on a node. If the node is unknown, the pod is kept in a
    /// record for that name (created on demand) that a later upsertNode takes over.
    #[napi]
    pub fn add_pod(&mut self, node_name: String, requests: PodRequests) {
        self.table.add_pod(&node_name, &requests.into());
    }

    /// `addPod` with the requests as four numbers (less boundary traffic than an object).
    #[napi]
    pub fn add_pod_values(
        &mut self,
        node_name: String,
        milli_cpu: i64,
        memory_bytes: i64,
        non_zero_milli_cpu: i64,
        non_zero_memory_bytes: i64,
    ) {
        let r = Requests {
            milli_cpu,
            memory_bytes,
            non_zero_milli_cpu,
            non_zero_memory_bytes,
        };
        self.table.add_pod(&node_name, &r);
    }

    /// Undoes addPod with the same requests. A name with no node and no pending pods is a
    /// no-op.
    #[napi]
    pub fn remove_pod(&mut self, node_name: String, requests: PodRequests) {
        self.table.remove_pod(&node_name, &requests.into());
    }

    /// `removePod` with the requests as four numbers.
    #[napi]
    pub fn remove_pod_values(
        &mut self,
        node_name: String,
        milli_cpu: i64,
        memory_bytes: i64,
        non_zero_milli_cpu: i64,
        non_zero_memory_bytes: i64,
    ) {
        let r = Requests {
            milli_cpu,
            memory_bytes,
            non_zero_milli_cpu,
            non_zero_memory_bytes,
        };
        self.table.remove_pod(&node_name, &r);
    }

    /// Filters every node, scores every feasible node and picks the highest score; ties go to
    /// the smallest node name (JavaScript string order).
    #[napi]
    pub fn schedule(&mut self, pod: PodRequests) -> ScheduleResult {
        let d = scan::schedule(&mut self.table, &pod.into(), &self.constraints);
        self.result(&d)
    }

    /// Schedules `pods` in order; after each placement the pod is accounted on its node as
    /// addPod does (and stays accounted: undo one with removePod), so each pod sees the ones
    /// before it. One result per pod, in order.
    #[napi]
    pub fn schedule_batch(&mut self, pods: Vec<PodRequests>) -> Vec<ScheduleResult> {
        let pods: Vec<Requests> = pods.into_iter().map(Requests::from).collect();
        let mut decisions = Vec::with_capacity(pods.len());
        scan::schedule_batch(&mut self.table, &pods, &self.constraints, |d| {
            decisions.push(*d)
        });
        decisions.iter().map(|d| self.result(d)).collect()
    }

    /// The same decision as `schedule`, with less boundary traffic (for the TypeScript wrapper,
    /// which keeps its own copy of the node names in table order): the pod's requests come as
    /// four numbers, the numeric results are written into `out`, which must hold at least
    /// `SCHEDULE_INTO_LENGTH` (6) numbers: `[score, feasibleNodes, unschedulable,
    /// tooManyPods, insufficientCpu, insufficientMemory]`, and the chosen node's index in
    /// table order is returned (-1 when no node is feasible).
    #[napi]
    pub fn schedule_into(
        &mut self,
        milli_cpu: i64,
        memory_bytes: i64,
        non_zero_milli_cpu: i64,
        non_zero_memory_bytes: i64,
        mut out: Float64ArraySlice,
    ) -> Result<i32> {
        // SAFETY: the slice views the caller's Float64Array. JavaScript runs on this thread
        // and is suspended for the duration of this synchronous call, so nothing else reads
        // or writes that memory while the slice lives; it does not outlive the call.
        let out = unsafe { out.as_mut() };
        let pod = Requests {
            milli_cpu,
            memory_bytes,
            non_zero_milli_cpu,
            non_zero_memory_bytes,
        };
        self.schedule_into_slice(pod, out).map_err(|len| {
            Error::new(
                Status::InvalidArg,
                format!("scheduleInto: out must hold {SCHEDULE_INTO_LENGTH} numbers, got {len}"),
            )
        })
    }

    /// `scheduleBatch` over numbers (for the TypeScript wrapper): `pods` holds
    /// `BATCH_POD_LENGTH` (4) numbers per pod (`milliCpu, memoryBytes, nonZeroMilliCpu,
    /// nonZeroMemoryBytes`, read as napi reads an i64), and `out` receives
    /// `BATCH_RESULT_LENGTH` (7) per pod: the chosen node's index in table order at the time
    /// (-1 for none), then the six numbers of `scheduleInto`. Returns how many pods were
    /// placed.
    #[napi]
    pub fn schedule_batch_into(
        &mut self,
        pods: Float64ArraySlice,
        mut out: Float64ArraySlice,
    ) -> Result<u32> {
        // SAFETY: as in scheduleInto; `pods` and `out` are two views that JavaScript cannot
        // touch during the call. They may alias (the same buffer): the input is copied first.
        let input: Vec<f64> = pods.as_ref().to_vec();
        let out = unsafe { out.as_mut() };
        self.schedule_batch_into_slice(&input, out)
            .map_err(|message| Error::new(Status::InvalidArg, message))
    }

    /// Sets the per-plugin weights of the total score that schedule, scheduleBatch and
    /// scoreAll report: `leastAllocated * leastAllocatedWeight + balancedAllocation *
    /// balancedAllocationWeight + taintToleration * taintTolerationWeight` (integers; the
    /// default is 1, 0 and 0, LeastAllocated alone) + nodeAffinity * nodeAffinityWeight. The
    /// TaintToleration score is the count of untolerated PreferNoSchedule taints, normalized
    /// reversed over the feasible nodes; the NodeAffinity score the summed weights of the
    /// matching preferred terms, normalized over the feasible nodes.
    #[napi]
    pub fn configure_scoring(
        &mut self,
        least_allocated_weight: i64,
        balanced_allocation_weight: i64,
        taint_toleration_weight: Option<i64>,
        node_affinity_weight: Option<i64>,
    ) {
        self.table.weights = Weights {
            least_allocated: least_allocated_weight,
            balanced_allocation: balanced_allocation_weight,
            taint_toleration: taint_toleration_weight.unwrap_or(0),
            node_affinity: node_affinity_weight.unwrap_or(0),
        };
    }

    /// For tests: per node in nodeNames() order, the score, or -1 where a filter rejects.
    #[napi]
    pub fn score_all(&mut self, pod: PodRequests) -> Float64Array {
        Float64Array::new(scan::score_all(
            &mut self.table,
            &pod.into(),
            &self.constraints,
        ))
    }

    /// Node names in table order.
    #[napi]
    pub fn node_names(&self) -> Vec<String> {
        self.table.names().to_vec()
    }

    /// How many nodes the table holds.
    #[napi(getter)]
    pub fn node_count(&self) -> u32 {
        u32::try_from(self.table.len()).unwrap_or(u32::MAX)
    }

    /// Which build of the scan loop this process runs: `"avx2"` or `"baseline"` (SSE2 on
    /// x86-64; forced with `SKIFF_SCHEDULER_CORE_ISA=baseline`).
    #[napi(getter)]
    pub fn kernel(&self) -> &'static str {
        Isa::detect().name()
    }
}

impl SchedulerCore {
    /// `setNodeTaints` on a plain slice.
    fn set_node_taints_ids(&mut self, index: usize, ids: &[u32]) {
        if index >= self.table.len() {
            return;
        }
        let taints = triples(ids)
            .map(|[key, value, effect]| Taint { key, value, effect })
            .collect();
        self.table.set_taints(index, taints);
    }

    /// `setNodeLabels` on a plain slice.
    fn set_node_labels_values(&mut self, index: usize, values: &[f64]) {
        if let (true, Some(labels)) = (index < self.table.len(), Labels::decode(values)) {
            self.table.set_labels(index, labels);
        }
    }

    /// `setTolerations` on a plain slice.
    fn set_toleration_ids(&mut self, ids: &[u32]) {
        self.constraints.tolerations.clear();
        self.constraints
            .tolerations
            .extend(triples(ids).map(|[key, value, effect]| Toleration { key, value, effect }));
    }

    /// A decision as the object JavaScript sees.
    fn result(&self, d: &Decision) -> ScheduleResult {
        ScheduleResult {
            node_name: d.best.map(|i| self.table.names()[i].clone()),
            score: d.score,
            feasible_nodes: d.feasible,
            reasons: ScheduleReasons {
                unschedulable: d.reasons.unschedulable,
                too_many_pods: d.reasons.too_many_pods,
                insufficient_cpu: d.reasons.insufficient_cpu,
                insufficient_memory: d.reasons.insufficient_memory,
                untolerated_taint: d.reasons.untolerated_taint,
                node_affinity: d.reasons.node_affinity,
            },
        }
    }

    /// `scheduleInto` on a plain slice, free of napi types so `cargo test` can run it without
    /// a JavaScript engine. `Err` carries the length of a too-short `out`.
    fn schedule_into_slice(
        &mut self,
        pod: Requests,
        out: &mut [f64],
    ) -> std::result::Result<i32, usize> {
        let len = out.len();
        let Some(out) = out.get_mut(..SCHEDULE_INTO_LENGTH as usize) else {
            return Err(len);
        };
        let d = scan::schedule(&mut self.table, &pod, &self.constraints);
        out.copy_from_slice(&numbers(&d));
        Ok(d.best.map_or(-1, |i| i as i32))
    }

    /// `scheduleBatchInto` on plain slices.
    fn schedule_batch_into_slice(
        &mut self,
        pods: &[f64],
        out: &mut [f64],
    ) -> std::result::Result<u32, String> {
        let (per_pod, per_result) = (BATCH_POD_LENGTH as usize, BATCH_RESULT_LENGTH as usize);
        if !pods.len().is_multiple_of(per_pod) {
            return Err(format!(
                "scheduleBatchInto: pods must hold {per_pod} numbers per pod, got {}",
                pods.len()
            ));
        }
        let count = pods.len() / per_pod;
        if out.len() < count * per_result {
            return Err(format!(
                "scheduleBatchInto: out must hold {} numbers for {count} pods, got {}",
                count * per_result,
                out.len()
            ));
        }
        let requests: Vec<Requests> = pods
            .chunks_exact(per_pod)
            .map(|p| Requests {
                milli_cpu: js_int(p[0]),
                memory_bytes: js_int(p[1]),
                non_zero_milli_cpu: js_int(p[2]),
                non_zero_memory_bytes: js_int(p[3]),
            })
            .collect();
        let mut placed = 0u32;
        let mut slots = out.chunks_exact_mut(per_result);
        scan::schedule_batch(&mut self.table, &requests, &self.constraints, |d| {
            if let Some(slot) = slots.next() {
                slot[0] = d.best.map_or(-1.0, |i| i as f64);
                slot[1..].copy_from_slice(&numbers(d));
            }
            placed += u32::from(d.best.is_some());
        });
        Ok(placed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(cpu: i64, mem: i64) -> PodRequests {
        PodRequests {
            milli_cpu: cpu,
            memory_bytes: mem,
            non_zero_milli_cpu: cpu.max(100),
            non_zero_memory_bytes: mem.max(209_715_200),
        }
    }

    fn node(name: &str) -> NodeResources {
        NodeResources {
            name: name.into(),
            allocatable_milli_cpu: 1000,
            allocatable_memory_bytes: 1 << 30,
            allocatable_pods: 10,
            unschedulable: false,
        }
    }

    #[test]
    fn the_class_wires_the_table_and_the_scan() {
        let mut core = SchedulerCore::new();
        core.add_pod("b".into(), pod(500, 0));
        assert_eq!(core.upsert_node(node("a")), 0);
        assert_eq!(core.upsert_node(node("b")), 1);
        assert_eq!(core.upsert_node(node("a")), 0);
        assert_eq!(core.node_count(), 2);
        assert_eq!(core.node_names(), ["a", "b"]);
        let r = core.schedule(pod(600, 0));
        assert_eq!(r.node_name.as_deref(), Some("a"));
        assert_eq!(r.feasible_nodes, 1);
        assert_eq!(r.reasons.insufficient_cpu, 1);
        let mut out = [0.0; 8];
        let row = core.schedule_into_slice(pod(600, 0).into(), &mut out);
        assert_eq!(row, Ok(0));
        assert_eq!(out, [r.score as f64, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
        assert!(core
            .schedule_into_slice(pod(600, 0).into(), &mut [0.0; 5])
            .is_err());
        core.remove_pod("b".into(), pod(500, 0));
        assert_eq!(core.remove_node("a".into()), 0);
        assert_eq!(core.remove_node("a".into()), -1);
        let r = core.schedule(pod(600, 0));
        assert_eq!(r.node_name.as_deref(), Some("b"));
        assert!(["avx2", "baseline"].contains(&core.kernel()));
    }

    #[test]
    fn taints_filter_and_score_with_the_pods_tolerations() {
        let mut core = SchedulerCore::new();
        for name in ["a", "b", "c"] {
            core.upsert_node(node(name));
        }
        // a: NoSchedule k=v; b: PreferNoSchedule k=v; c: untainted.
        core.set_node_taints_ids(0, &[1, 2, 1]);
        core.set_node_taints_ids(1, &[1, 2, 2]);
        core.set_node_taints_ids(9, &[1, 2, 1]); // out of range: ignored
        core.configure_scoring(1, 0, Some(2), None);
        let r = core.schedule(pod(100, 0));
        assert_eq!(r.node_name.as_deref(), Some("c"));
        assert_eq!((r.feasible_nodes, r.reasons.untolerated_taint), (2, 1));
        // c: least-allocated 85 (cpu 90, memory 80) + 2 * 100; b: 85 + 2 * 0.
        assert_eq!(r.score, 285);
        let scores = scan::score_all(&mut core.table, &pod(100, 0).into(), &core.constraints);
        assert_eq!(scores, [-1.0, 85.0, 285.0]);
        // Tolerating every taint (empty key, Exists, every effect): all feasible, all 100.
        core.set_toleration_ids(&[0, 0, 0]);
        let r = core.schedule(pod(100, 0));
        assert_eq!(
            (r.node_name.as_deref(), r.feasible_nodes, r.score),
            (Some("a"), 3, 285)
        );
        core.set_toleration_ids(&[]);
        core.set_node_taints_ids(0, &[]);
        core.remove_node("b".into());
        core.configure_scoring(1, 0, None, None);
        assert_eq!(core.schedule(pod(100, 0)).feasible_nodes, 2);
    }

    #[test]
    fn a_batch_over_numbers_equals_the_object_batch() {
        let mut a = SchedulerCore::new();
        let mut b = SchedulerCore::new();
        for name in ["x", "y"] {
            a.upsert_node(node(name));
            b.upsert_node(node(name));
        }
        let pods = [pod(300, 0), pod(300, 0), pod(700, 0), pod(900, 0)];
        let objects = a.schedule_batch(pods.to_vec());
        let flat: Vec<f64> = pods
            .iter()
            .flat_map(|p| {
                [
                    p.milli_cpu as f64,
                    p.memory_bytes as f64,
                    p.non_zero_milli_cpu as f64,
                    p.non_zero_memory_bytes as f64,
                ]
            })
            .collect();
        let mut out = vec![0.0; pods.len() * 9];
        assert_eq!(b.schedule_batch_into_slice(&flat, &mut out), Ok(3));
        let names = ["x", "y"];
        for (k, r) in objects.iter().enumerate() {
            let slot = &out[k * 9..k * 9 + 9];
            let name = (slot[0] >= 0.0).then(|| names[slot[0] as usize]);
            assert_eq!(r.node_name.as_deref(), name, "pod {k}");
            assert_eq!(slot[1], r.score as f64);
            assert_eq!(slot[2], f64::from(r.feasible_nodes));
            assert_eq!(slot[5], f64::from(r.reasons.insufficient_cpu));
        }
        // x, y, then 700m fits only... both hold 300m: 700m fits both (x first), 900m none.
        assert_eq!(
            objects
                .iter()
                .map(|r| r.node_name.as_deref())
                .collect::<Vec<_>>(),
            [Some("x"), Some("y"), Some("x"), None]
        );
        assert!(b.schedule_batch_into_slice(&flat[..3], &mut out).is_err());
        assert!(b.schedule_batch_into_slice(&flat, &mut out[..5]).is_err());
        assert_eq!(js_int(f64::NAN), 0);
        assert_eq!(js_int(-2.7), -2);
        assert_eq!(js_int(f64::INFINITY), 0);
    }
}
