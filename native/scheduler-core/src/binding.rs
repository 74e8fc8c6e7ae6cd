//! The JavaScript face of the core: the napi-rs class `SchedulerCore` and its object types.
//!
//! Numbers arrive as JS numbers and are read as `i64` (napi truncates toward zero; NaN and
//! ±Infinity read as 0). Callers must pass non-negative integers no larger than 2^53.

use napi::bindgen_prelude::{Float64Array, Float64ArraySlice};
use napi::{Error, Result, Status};
use napi_derive::napi;

use crate::node_table::{Allocatable, NodeTable, Requests};
use crate::scan;

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
pub const SCHEDULE_INTO_LENGTH: u32 = 6;

/// The scheduler's filter and score core: a node table with per-node pod accounting that
/// filters (NodeUnschedulable, NodeResourcesFit) and scores (LeastAllocated, cpu and memory
/// weight 1) every node for one pod.
///
/// Table order: new nodes are appended; removeNode moves the last node into the freed slot.
#[napi]
pub struct SchedulerCore {
    table: NodeTable,
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
        }
    }

    /// Adds a node or replaces its allocatable resources and unschedulable flag; a known node
    /// keeps its place and its accounted pods. A new node takes over pods added under its
    /// name before it was known.
    #[napi]
    pub fn upsert_node(&mut self, node: NodeResources) {
        self.table.upsert(
            &node.name,
            Allocatable {
                milli_cpu: node.allocatable_milli_cpu,
                memory_bytes: node.allocatable_memory_bytes,
                pods: node.allocatable_pods,
            },
            node.unschedulable,
        );
    }

    /// Forgets the node and its accounted pods. An unknown name is a no-op.
    #[napi]
    pub fn remove_node(&mut self, name: String) {
        self.table.remove(&name);
    }

    /// Accounts a bound or assumed pod on a node. If the node is unknown, the pod is kept in a
    /// record for that name (created on demand) that a later upsertNode takes over.
    #[napi]
    pub fn add_pod(&mut self, node_name: String, requests: PodRequests) {
        self.table.add_pod(&node_name, &requests.into());
    }

    /// Undoes addPod with the same requests. A name with no node and no pending pods is a
    /// no-op.
    #[napi]
    pub fn remove_pod(&mut self, node_name: String, requests: PodRequests) {
        self.table.remove_pod(&node_name, &requests.into());
    }

    /// Filters every node, scores every feasible node and picks the highest score; ties go to
    /// the smallest node name (JavaScript string order).
    #[napi]
    pub fn schedule(&self, pod: PodRequests) -> ScheduleResult {
        let d = scan::schedule(&self.table, &pod.into());
        ScheduleResult {
            node_name: d.best.map(|i| self.table.names()[i].clone()),
            score: d.score,
            feasible_nodes: d.feasible,
            reasons: ScheduleReasons {
                unschedulable: d.reasons.unschedulable,
                too_many_pods: d.reasons.too_many_pods,
                insufficient_cpu: d.reasons.insufficient_cpu,
                insufficient_memory: d.reasons.insufficient_memory,
            },
        }
    }

    /// The same decision as `schedule`, with less boundary traffic (for the TypeScript wrapper,
    /// which calls this once per pod): the pod's requests come as four numbers and the
    /// numeric results are written into `out`, which must hold at least
    /// `SCHEDULE_INTO_LENGTH` (6) numbers: `[score, feasibleNodes, unschedulable,
    /// tooManyPods, insufficientCpu, insufficientMemory]`. Returns the chosen node's name, or
    /// null when no node is feasible.
    #[napi]
    pub fn schedule_into(
        &self,
        milli_cpu: i64,
        memory_bytes: i64,
        non_zero_milli_cpu: i64,
        non_zero_memory_bytes: i64,
        mut out: Float64ArraySlice,
    ) -> Result<Option<String>> {
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

    /// For tests: per node in nodeNames() order, the score, or -1 where a filter rejects.
    #[napi]
    pub fn score_all(&self, pod: PodRequests) -> Float64Array {
        Float64Array::new(scan::score_all(&self.table, &pod.into()))
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
}

impl SchedulerCore {
    /// `scheduleInto` on a plain slice, free of napi types so `cargo test` can run it without
    /// a JavaScript engine. `Err` carries the length of a too-short `out`.
    fn schedule_into_slice(
        &self,
        pod: Requests,
        out: &mut [f64],
    ) -> std::result::Result<Option<String>, usize> {
        let len = out.len();
        let Some(out) = out.get_mut(..SCHEDULE_INTO_LENGTH as usize) else {
            return Err(len);
        };
        let d = scan::schedule(&self.table, &pod);
        out.copy_from_slice(&[
            d.score as f64,
            f64::from(d.feasible),
            f64::from(d.reasons.unschedulable),
            f64::from(d.reasons.too_many_pods),
            f64::from(d.reasons.insufficient_cpu),
            f64::from(d.reasons.insufficient_memory),
        ]);
        Ok(d.best.map(|i| self.table.names()[i].clone()))
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

    #[test]
    fn the_class_wires_the_table_and_the_scan() {
        let mut core = SchedulerCore::new();
        core.add_pod("b".into(), pod(500, 0));
        for name in ["a", "b"] {
            core.upsert_node(NodeResources {
                name: name.into(),
                allocatable_milli_cpu: 1000,
                allocatable_memory_bytes: 1 << 30,
                allocatable_pods: 10,
                unschedulable: false,
            });
        }
        assert_eq!(core.node_count(), 2);
        assert_eq!(core.node_names(), ["a", "b"]);
        let r = core.schedule(pod(600, 0));
        assert_eq!(r.node_name.as_deref(), Some("a"));
        assert_eq!(r.feasible_nodes, 1);
        assert_eq!(r.reasons.insufficient_cpu, 1);
        let mut out = [0.0; 7];
        let name = core.schedule_into_slice(pod(600, 0).into(), &mut out);
        assert_eq!(name, Ok(Some("a".to_owned())));
        assert_eq!(out, [r.score as f64, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        assert!(core
            .schedule_into_slice(pod(600, 0).into(), &mut [0.0; 5])
            .is_err());
        core.remove_pod("b".into(), pod(500, 0));
        core.remove_node("a".into());
        let r = core.schedule(pod(600, 0));
        assert_eq!(r.node_name.as_deref(), Some("b"));
    }
}
