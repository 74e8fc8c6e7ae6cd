//! The filters: kube-scheduler's `NodeUnschedulable` followed by `NodeResourcesFit`.
//!
//! `NodeUnschedulable` runs first and filtering stops at the first failing plugin, so an
//! unschedulable node fails with that reason alone. Otherwise every failing resource check is
//! reported:
//! - too many pods: `pods + 1 > allocatable pods`;
//! - insufficient cpu: `pod cpu > 0 && pod cpu > allocatable cpu - requested cpu`;
//! - insufficient memory: the same with memory.
//!
//! The resource checks use the pod's real requests, not the non-zero ones.

use crate::node_table::{Requests, Row};

/// A set of filter failures, one bit per reason. Empty means the node is feasible.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Failures(u8);

impl Failures {
    /// The node is cordoned (`spec.unschedulable`).
    pub const UNSCHEDULABLE: Failures = Failures(1);
    /// The node already holds `allocatable pods` pods.
    pub const TOO_MANY_PODS: Failures = Failures(1 << 1);
    /// Not enough unrequested cpu.
    pub const INSUFFICIENT_CPU: Failures = Failures(1 << 2);
    /// Not enough unrequested memory.
    pub const INSUFFICIENT_MEMORY: Failures = Failures(1 << 3);
    /// A `NoSchedule`/`NoExecute` taint the pod does not tolerate (TaintToleration, which runs
    /// after NodeUnschedulable and before NodeResourcesFit: counted alone).
    pub const UNTOLERATED_TAINT: Failures = Failures(1 << 4);
    /// The node does not match the pod's node selector or required node affinity
    /// (NodeAffinity, after TaintToleration: counted alone).
    pub const NODE_AFFINITY: Failures = Failures(1 << 5);

    /// No failure: the node passes every filter.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when every reason in `other` is in `self`.
    #[inline]
    pub fn contains(self, other: Failures) -> bool {
        self.0 & other.0 == other.0
    }
}

/// Runs the filters for `pod` on one node.
///
/// This is the reference the scan layout is derived from ([`crate::layout`]); the scan runs it
/// for the rows and pods the vectorised kernel does not take. Quantities are below 2^53 by
/// contract, so the sums and differences cannot overflow; wrapping arithmetic keeps
/// out-of-contract input from panicking.
#[inline(always)]
pub fn filter(node: &Row, pod: &Requests) -> Failures {
    let a = &node.allocatable;
    let u = &node.usage;
    let too_many_pods = u.pods.wrapping_add(1) > a.pods;
    let insufficient_cpu =
        (pod.milli_cpu > 0) & (pod.milli_cpu > a.milli_cpu.wrapping_sub(u.milli_cpu));
    let insufficient_memory =
        (pod.memory_bytes > 0) & (pod.memory_bytes > a.memory_bytes.wrapping_sub(u.memory_bytes));
    let resources = (u8::from(too_many_pods) * Failures::TOO_MANY_PODS.0)
        | (u8::from(insufficient_cpu) * Failures::INSUFFICIENT_CPU.0)
        | (u8::from(insufficient_memory) * Failures::INSUFFICIENT_MEMORY.0);
    // NodeUnschedulable runs first, and filtering stops at the first failing plugin.
    if node.unschedulable {
        Failures::UNSCHEDULABLE
    } else {
        Failures(resources)
    }
}

/// Counts of nodes per failure reason; a node may count under several reasons.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReasonCounts {
    pub unschedulable: u32,
    pub too_many_pods: u32,
    pub insufficient_cpu: u32,
    pub insufficient_memory: u32,
    pub untolerated_taint: u32,
    pub node_affinity: u32,
}

impl ReasonCounts {
    /// Adds one node's failures.
    #[inline]
    pub fn record(&mut self, f: Failures) {
        self.unschedulable += u32::from(f.contains(Failures::UNSCHEDULABLE));
        self.too_many_pods += u32::from(f.contains(Failures::TOO_MANY_PODS));
        self.insufficient_cpu += u32::from(f.contains(Failures::INSUFFICIENT_CPU));
        self.insufficient_memory += u32::from(f.contains(Failures::INSUFFICIENT_MEMORY));
        self.untolerated_taint += u32::from(f.contains(Failures::UNTOLERATED_TAINT));
        self.node_affinity += u32::from(f.contains(Failures::NODE_AFFINITY));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node_table::{Allocatable, Usage};

    fn node(cpu: i64, mem: i64, pods: i64, used: Usage) -> Row {
        Row {
            unschedulable: false,
            allocatable: Allocatable {
                milli_cpu: cpu,
                memory_bytes: mem,
                pods,
            },
            usage: used,
        }
    }

    fn pod(cpu: i64, mem: i64) -> Requests {
        Requests {
            milli_cpu: cpu,
            memory_bytes: mem,
            non_zero_milli_cpu: cpu.max(100),
            non_zero_memory_bytes: mem.max(209_715_200),
        }
    }

    fn used(cpu: i64, mem: i64, pods: i64) -> Usage {
        Usage {
            milli_cpu: cpu,
            memory_bytes: mem,
            non_zero_milli_cpu: cpu,
            non_zero_memory_bytes: mem,
            pods,
        }
    }

    #[test]
    fn a_pod_that_fits_exactly_passes() {
        let n = node(1000, 1000, 2, used(400, 600, 1));
        assert!(filter(&n, &pod(600, 400)).is_empty());
    }

    #[test]
    fn every_failing_resource_is_reported() {
        let n = node(1000, 1000, 1, used(400, 600, 1));
        let f = filter(&n, &pod(601, 401));
        assert!(f.contains(Failures::TOO_MANY_PODS));
        assert!(f.contains(Failures::INSUFFICIENT_CPU));
        assert!(f.contains(Failures::INSUFFICIENT_MEMORY));
        assert!(!f.contains(Failures::UNSCHEDULABLE));
    }

    #[test]
    fn unschedulable_short_circuits_the_resource_checks() {
        let mut n = node(0, 0, 0, used(0, 0, 0));
        n.unschedulable = true;
        assert_eq!(filter(&n, &pod(1, 1)), Failures::UNSCHEDULABLE);
    }

    #[test]
    fn zero_requests_skip_the_resource_check_even_when_overcommitted() {
        // Requested already exceeds allocatable; a pod without requests still fits.
        let n = node(1000, 1000, 10, used(2000, 2000, 1));
        assert!(filter(&n, &pod(0, 0)).is_empty());
        assert_eq!(filter(&n, &pod(1, 0)), Failures::INSUFFICIENT_CPU);
        assert_eq!(filter(&n, &pod(0, 1)), Failures::INSUFFICIENT_MEMORY);
    }

    #[test]
    fn zero_allocatable_pods_rejects_every_pod() {
        let n = node(1000, 1000, 0, used(0, 0, 0));
        assert_eq!(filter(&n, &pod(0, 0)), Failures::TOO_MANY_PODS);
    }

    #[test]
    fn reason_counts_add_up_per_reason() {
        let mut c = ReasonCounts::default();
        c.record(Failures::UNSCHEDULABLE);
        c.record(Failures(
            Failures::INSUFFICIENT_CPU.0 | Failures::INSUFFICIENT_MEMORY.0,
        ));
        c.record(Failures::default());
        assert_eq!(
            c,
            ReasonCounts {
                unschedulable: 1,
                too_many_pods: 0,
                insufficient_cpu: 1,
                insufficient_memory: 1,
                untolerated_taint: 0,
                node_affinity: 0,
            }
        );
    }
}
