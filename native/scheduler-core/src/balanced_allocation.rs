//! `NodeResourcesBalancedAllocation` (cpu and memory) and the weighted total score.
//!
//! Per resource, `fraction = min((node's real requested + pod's real request) / allocatable,
//! 1)` in f64, -1 when allocatable is 0; with both fractions >= 0 the score is
//! `trunc((1 - |(cpu - memory) / 2|) * 100)`, else 100. The same operations in the same order
//! as `balanced-allocation.ts` and `ts-core.ts`, so the results are bit-identical.

use crate::least_allocated::score as least_allocated_score;
use crate::node_table::{Requests, Row};

/// Per-plugin weights of the core's total score: `least * leastAllocated + balanced *
/// balancedAllocation`. The default (1, 0) is LeastAllocated alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Weights {
    /// Weight of the LeastAllocated score (NodeResourcesFit's).
    pub least_allocated: i64,
    /// Weight of the BalancedAllocation score; 0 leaves it out.
    pub balanced_allocation: i64,
    /// Weight of the TaintToleration score (normalized, see [`crate::taints`]); 0 leaves it out.
    pub taint_toleration: i64,
    /// Weight of the NodeAffinity score (normalized, see [`crate::affinity`]); 0 leaves it out.
    pub node_affinity: i64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            least_allocated: 1,
            balanced_allocation: 0,
            taint_toleration: 0,
            node_affinity: 0,
        }
    }
}

impl Weights {
    /// True when the total is LeastAllocated alone, which the vectorised kernel computes.
    pub fn is_least_allocated_only(&self) -> bool {
        *self == Weights::default()
    }
}

fn fraction(requested: i64, allocatable: i64) -> f64 {
    if allocatable == 0 {
        return -1.0;
    }
    (requested as f64 / allocatable as f64).min(1.0)
}

/// The balanced-allocation score 0..100 of a feasible node for `pod`.
pub fn balanced_score(node: &Row, pod: &Requests) -> i64 {
    let a = &node.allocatable;
    let u = &node.usage;
    let cpu = fraction(u.milli_cpu.wrapping_add(pod.milli_cpu), a.milli_cpu);
    let memory = fraction(
        u.memory_bytes.wrapping_add(pod.memory_bytes),
        a.memory_bytes,
    );
    if cpu >= 0.0 && memory >= 0.0 {
        return ((1.0 - ((cpu - memory) / 2.0).abs()) * 100.0).trunc() as i64;
    }
    100
}

/// The weighted total of a feasible node for `pod`.
pub fn total_score(node: &Row, pod: &Requests, w: Weights) -> i64 {
    total_with_least(least_allocated_score(node, pod), node, pod, w)
}

/// [`total_score`] with the LeastAllocated score already computed (`least`).
pub fn total_with_least(least: i64, node: &Row, pod: &Requests, w: Weights) -> i64 {
    let mut total = least.wrapping_mul(w.least_allocated);
    if w.balanced_allocation != 0 {
        total = total.wrapping_add(balanced_score(node, pod).wrapping_mul(w.balanced_allocation));
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node_table::{Allocatable, Usage};

    fn row(cpu: i64, mem: i64, used_cpu: i64, used_mem: i64) -> Row {
        Row {
            unschedulable: false,
            allocatable: Allocatable {
                milli_cpu: cpu,
                memory_bytes: mem,
                pods: 110,
            },
            usage: Usage {
                milli_cpu: used_cpu,
                memory_bytes: used_mem,
                non_zero_milli_cpu: used_cpu,
                non_zero_memory_bytes: used_mem,
                pods: 0,
            },
        }
    }

    fn pod(cpu: i64, mem: i64) -> Requests {
        Requests {
            milli_cpu: cpu,
            memory_bytes: mem,
            non_zero_milli_cpu: cpu,
            non_zero_memory_bytes: mem,
        }
    }

    #[test]
    fn balanced_follows_the_upstream_formula() {
        // cpu 0.5, memory 0.25: std 0.125, score trunc(87.5) = 87.
        assert_eq!(
            balanced_score(&row(4000, 4000, 1000, 0), &pod(1000, 1000)),
            87
        );
        // Equal fractions: 100; over-committed fractions clamp to 1.
        assert_eq!(balanced_score(&row(1000, 1000, 0, 0), &pod(500, 500)), 100);
        assert_eq!(balanced_score(&row(1000, 1000, 0, 0), &pod(5000, 0)), 50);
        // Zero allocatable: 100.
        assert_eq!(balanced_score(&row(0, 1000, 0, 0), &pod(0, 500)), 100);
    }

    #[test]
    fn total_is_the_weighted_sum() {
        let r = row(4000, 4000, 1000, 0);
        let p = pod(1000, 1000);
        let la = least_allocated_score(&r, &p);
        let w = Weights {
            least_allocated: 2,
            balanced_allocation: 3,
            taint_toleration: 0,
            node_affinity: 0,
        };
        assert_eq!(total_score(&r, &p, w), la * 2 + 87 * 3);
        assert_eq!(total_score(&r, &p, Weights::default()), la);
    }
}
