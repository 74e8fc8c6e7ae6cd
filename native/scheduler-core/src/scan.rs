//! One pass over the node table: filter every node, score every feasible one, keep the best.
//!
//! The best node has the highest score; ties go to the smallest name in JavaScript string
//! order ([`crate::js_order::cmp_js`]), so the result does not depend on table order.

use std::cmp::Ordering;

use crate::fit::{filter, ReasonCounts};
use crate::js_order::cmp_js;
use crate::least_allocated::score;
use crate::node_table::{NodeTable, Requests};

/// The outcome of scheduling one pod.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    /// Row index of the chosen node, `None` when no node is feasible.
    pub best: Option<usize>,
    /// The chosen node's score, 0 when there is none.
    pub score: i64,
    /// How many nodes passed every filter.
    pub feasible: u32,
    /// Per reason, how many nodes failed with it.
    pub reasons: ReasonCounts,
}

/// Filters and scores every node for `pod` and picks the best, in one pass.
pub fn schedule(table: &NodeTable, pod: &Requests) -> Decision {
    let cols = table.columns();
    // Locals rather than fields of the result, so they live in registers during the scan.
    let mut reasons = ReasonCounts::default();
    let mut feasible = 0u32;
    let mut best: Option<usize> = None;
    let mut best_score = 0i64;
    for i in 0..cols.len() {
        let row = cols.row(i);
        let failures = filter(&row, pod);
        if !failures.is_empty() {
            reasons.record(failures);
            continue;
        }
        feasible += 1;
        let s = score(&row, pod);
        let better = match best {
            None => true,
            Some(b) => {
                s > best_score
                    || (s == best_score && cmp_js(&cols.names[i], &cols.names[b]) == Ordering::Less)
            }
        };
        if better {
            best = Some(i);
            best_score = s;
        }
    }
    Decision {
        best,
        score: best_score,
        feasible,
        reasons,
    }
}

/// Per row in table order, the score for `pod`, or -1 where a filter rejects the node.
pub fn score_all(table: &NodeTable, pod: &Requests) -> Vec<f64> {
    let cols = table.columns();
    (0..cols.len())
        .map(|i| {
            let row = cols.row(i);
            if filter(&row, pod).is_empty() {
                score(&row, pod) as f64
            } else {
                -1.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node_table::Allocatable;

    const MI: i64 = 1 << 20;
    const GI: i64 = 1 << 30;

    fn pod(cpu: i64, mem: i64) -> Requests {
        Requests {
            milli_cpu: cpu,
            memory_bytes: mem,
            non_zero_milli_cpu: if cpu == 0 { 100 } else { cpu },
            non_zero_memory_bytes: if mem == 0 { 200 * MI } else { mem },
        }
    }

    fn alloc(cpu: i64, mem: i64, pods: i64) -> Allocatable {
        Allocatable {
            milli_cpu: cpu,
            memory_bytes: mem,
            pods,
        }
    }

    #[test]
    fn empty_table_schedules_nowhere() {
        let t = NodeTable::new();
        assert_eq!(schedule(&t, &pod(1, 1)), Decision::default());
        assert!(score_all(&t, &pod(1, 1)).is_empty());
    }

    #[test]
    fn picks_the_least_allocated_node() {
        let mut t = NodeTable::new();
        t.upsert("busy", alloc(4000, 8 * GI, 110), false);
        t.upsert("idle", alloc(4000, 8 * GI, 110), false);
        t.add_pod("busy", &pod(2000, 4 * GI));
        let d = schedule(&t, &pod(500, GI));
        assert_eq!(d.best, t.position("idle"));
        assert_eq!(d.feasible, 2);
        // cpu (4000-500)*100/4000 = 87, memory (8-1)*100/8 = 87
        assert_eq!(d.score, 87);
        assert_eq!(score_all(&t, &pod(500, GI)), vec![37.0, 87.0]);
    }

    #[test]
    fn ties_go_to_the_smallest_name_whatever_the_order() {
        let mut t = NodeTable::new();
        for name in ["node-b", "node-c", "node-a", "node-10"] {
            t.upsert(name, alloc(1000, GI, 10), false);
        }
        let d = schedule(&t, &pod(100, MI));
        assert_eq!(d.best.map(|i| t.names()[i].as_str()), Some("node-10"));
        t.remove("node-10");
        let d = schedule(&t, &pod(100, MI));
        assert_eq!(d.best.map(|i| t.names()[i].as_str()), Some("node-a"));
    }

    #[test]
    fn counts_reasons_and_reports_no_node() {
        let mut t = NodeTable::new();
        t.upsert("cordoned", alloc(0, 0, 0), true);
        t.upsert("small", alloc(100, MI, 0), false);
        t.upsert("cpu-only", alloc(100, 10 * GI, 10), false);
        let d = schedule(&t, &pod(200, 2 * MI));
        assert_eq!(d.best, None);
        assert_eq!(d.score, 0);
        assert_eq!(d.feasible, 0);
        assert_eq!(
            d.reasons,
            ReasonCounts {
                unschedulable: 1,
                too_many_pods: 1,
                insufficient_cpu: 2,
                insufficient_memory: 1,
            }
        );
        assert_eq!(score_all(&t, &pod(200, 2 * MI)), vec![-1.0, -1.0, -1.0]);
    }
}
