//! Scheduling one pod, or a batch: filter every node, score every feasible one, keep the best.
//!
//! The vectorised kernel ([`crate::kernel`]) takes every row of the scan layout; the few rows
//! it cannot evaluate exactly ([`NodeTable::exact_rows`]), and every row for a pod outside its
//! range, go through the reference code ([`crate::fit`], [`crate::least_allocated`]); the two
//! partial results merge into one decision, identical to a reference scan of the whole table.
//!
//! The best node has the highest score; ties go to the smallest name in JavaScript string
//! order, through the name ranks the table keeps, so the result does not depend on table order.

use crate::affinity::{self, PodAffinity};
use crate::balanced_allocation::{total_score, total_with_least};
use crate::fit::{filter, Failures, ReasonCounts};
use crate::kernel;
use crate::layout::{split_key, PodTerms, GATE_EXACT, MAX_KERNEL_ROWS};
use crate::node_table::{NodeTable, Requests};
use crate::taints::{self, Toleration};

/// What a pod brings besides its requests: its tolerations and its node affinity.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraints {
    pub tolerations: Vec<Toleration>,
    pub affinity: PodAffinity,
}

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

/// The best candidate so far: its score and its name rank.
#[derive(Clone, Copy)]
struct Best {
    score: i64,
    rank: u32,
}

impl Best {
    /// Keeps the higher score, then the smaller rank (the smaller name).
    fn offer(best: &mut Option<Best>, score: i64, rank: u32) {
        let better = match best {
            None => true,
            Some(b) => score > b.score || (score == b.score && rank < b.rank),
        };
        if better {
            *best = Some(Best { score, rank });
        }
    }
}

/// Filters and scores every node for `pod` (with its constraints `c`) and picks the best.
pub fn schedule(table: &mut NodeTable, pod: &Requests, c: &Constraints) -> Decision {
    table.prepare();
    decide(table, pod, c)
}

/// Schedules `pods` in order, each one seeing the ones before it: after each placement the pod
/// is accounted on its node as [`NodeTable::add_pod`] does (and stays accounted). Calls `each`
/// with every pod's decision, in order.
/// Every pod of the batch has the constraints `c`.
pub fn schedule_batch(
    table: &mut NodeTable,
    pods: &[Requests],
    c: &Constraints,
    mut each: impl FnMut(&Decision),
) {
    table.prepare();
    for pod in pods {
        let d = decide(table, pod, c);
        if let Some(row) = d.best {
            // Accounting a pod changes one row's lane, never the ranks: no prepare() needed.
            table.add_pod_at(row, pod);
        }
        each(&d);
    }
}

/// True when the vectorised kernel cannot decide alone and the two-pass scan runs: some node
/// is tainted, the pod has a node selector or node affinity, or the total is more than
/// LeastAllocated at weight 1 (BalancedAllocation, TaintToleration — every feasible node then
/// gets at least its 100 — or NodeAffinity weights).
fn constraints_matter(table: &NodeTable, c: &Constraints) -> bool {
    table.any_taints() || !c.affinity.is_empty() || !table.weights.is_least_allocated_only()
}

/// The filters on row `i` in kube-scheduler's order: NodeUnschedulable, TaintToleration,
/// NodeAffinity, NodeResourcesFit (filtering stops at the first failing plugin); for a
/// feasible row its LeastAllocated score, with the kernel's arithmetic ([`kernel::evaluate`],
/// exact for the rows the kernel takes, see [`crate::layout`]) where it can, else the
/// reference code.
fn filter_row(
    table: &NodeTable,
    i: usize,
    pod: &Requests,
    terms: Option<&PodTerms>,
    c: &Constraints,
) -> Result<i64, Failures> {
    let row = &table.rows()[i];
    if row.unschedulable {
        return Err(Failures::UNSCHEDULABLE);
    }
    if taints::rejects(table.taints(i), &c.tolerations) {
        return Err(Failures::UNTOLERATED_TAINT);
    }
    if c.affinity.rejects(table.labels(i)) {
        return Err(Failures::NODE_AFFINITY);
    }
    let values = table.scan_values(i);
    if let (Some(t), true) = (terms, values.gate != GATE_EXACT) {
        if let Some(least) = kernel::evaluate(&values, t) {
            return Ok(least);
        }
        // Rejected by the resource checks: the reference names the reasons.
        return Err(filter(row, pod));
    }
    let failures = filter(row, pod);
    if failures.is_empty() {
        Ok(crate::least_allocated::score(row, pod))
    } else {
        Err(failures)
    }
}

/// [`filter_row`] for a table without taints: the same filters in the same order, minus
/// TaintToleration's (it passes every untainted row) and, when the pod has no node selector
/// or required node affinity (`filters_affinity` false), NodeAffinity's.
#[inline(always)]
fn filter_fast_row(
    table: &NodeTable,
    i: usize,
    pod: &Requests,
    terms: Option<&PodTerms>,
    c: &Constraints,
    filters_affinity: bool,
) -> Result<i64, Failures> {
    if filters_affinity || table.rows()[i].unschedulable {
        return filter_row(table, i, pod, terms, c);
    }
    let values = table.scan_values(i);
    if let (Some(t), true) = (terms, values.gate != GATE_EXACT) {
        if let Some(least) = kernel::evaluate(&values, t) {
            return Ok(least);
        }
        return Err(filter(&table.rows()[i], pod));
    }
    filter_row(table, i, pod, terms, c)
}

/// The two-pass scan over `rows`: a scalar pass that filters each row and keeps the feasible
/// ones with their raw TaintToleration and NodeAffinity scores, then the totals with those
/// normalized over the feasible rows (the caller guarantees that rows left out score 0 raw).
/// Returns `(row, total)` per feasible row, in the order of `rows`.
fn constrained_scores(
    table: &NodeTable,
    rows: impl Iterator<Item = usize>,
    pod: &Requests,
    c: &Constraints,
    reasons: &mut ReasonCounts,
) -> Vec<(usize, i64)> {
    let w = table.weights;
    let terms = PodTerms::new(pod);
    let mut feasible: Vec<(usize, i64, i64, i64)> = Vec::new();
    let (mut max_taint, mut max_affinity) = (0i64, 0i64);
    for i in rows {
        let least = match filter_row(table, i, pod, terms.as_ref(), c) {
            Ok(least) => least,
            Err(failures) => {
                reasons.record(failures);
                continue;
            }
        };
        let taint = taints::untolerated_preferred(table.taints(i), &c.tolerations);
        let affinity = if w.node_affinity != 0 {
            c.affinity.preferred_score(table.labels(i))
        } else {
            0
        };
        max_taint = max_taint.max(taint);
        max_affinity = max_affinity.max(affinity);
        feasible.push((i, least, taint, affinity));
    }
    feasible
        .into_iter()
        .map(|(i, least, taint, affinity)| {
            let mut total = total_with_least(least, &table.rows()[i], pod, w);
            if w.taint_toleration != 0 {
                let t = taints::normalize_reversed(taint, max_taint);
                total = total.wrapping_add(t.wrapping_mul(w.taint_toleration));
            }
            if w.node_affinity != 0 {
                let a = affinity::normalize(affinity, max_affinity);
                total = total.wrapping_add(a.wrapping_mul(w.node_affinity));
            }
            (i, total)
        })
        .collect()
}

/// True when every row's raw TaintToleration and NodeAffinity scores are 0: no node has a
/// taint, and NodeAffinity is unweighted or the pod has no preferred terms. Both normalized
/// scores are then the same on every feasible row (100 and 0), whatever rows are feasible.
fn raw_scores_all_zero(table: &NodeTable, c: &Constraints) -> bool {
    !table.any_taints() && (table.weights.node_affinity == 0 || c.affinity.preferred.is_empty())
}

/// Offers every feasible row of `rows` with its total to `best` and returns how many rows
/// were feasible (the reasons of the others go to `reasons`). Where the raw TaintToleration
/// and NodeAffinity scores are 0 on every row ([`raw_scores_all_zero`]) this is one pass that
/// keeps nothing per row; otherwise the two-pass [`constrained_scores`]. Same totals either way.
fn offer_rows(
    table: &NodeTable,
    rows: impl Iterator<Item = usize>,
    pod: &Requests,
    c: &Constraints,
    reasons: &mut ReasonCounts,
    best: &mut Option<Best>,
) -> u32 {
    let w = table.weights;
    let mut feasible = 0u32;
    if !raw_scores_all_zero(table, c) {
        for (i, total) in constrained_scores(table, rows, pod, c, reasons) {
            feasible += 1;
            Best::offer(best, total, table.rank(i));
        }
        return feasible;
    }
    // As constrained_scores adds them: TaintToleration 100 (max 0), NodeAffinity 0 (max 0).
    let mut constant = 0i64;
    if w.taint_toleration != 0 {
        constant = taints::normalize_reversed(0, 0).wrapping_mul(w.taint_toleration);
    }
    if w.node_affinity != 0 {
        constant = constant.wrapping_add(affinity::normalize(0, 0).wrapping_mul(w.node_affinity));
    }
    let terms = PodTerms::new(pod);
    // No node is tainted: TaintToleration's filter passes every row (skip reading its taints).
    let untainted = Constraints {
        tolerations: Vec::new(),
        affinity: c.affinity.clone(),
    };
    let c = if table.any_taints() { c } else { &untainted };
    let filters_affinity = !(c.affinity.selector.is_empty() && c.affinity.required.is_none());
    for i in rows {
        let row = filter_fast_row(table, i, pod, terms.as_ref(), c, filters_affinity);
        match row {
            Ok(least) => {
                feasible += 1;
                let total =
                    total_with_least(least, &table.rows()[i], pod, w).wrapping_add(constant);
                Best::offer(best, total, table.rank(i));
            }
            Err(failures) => reasons.record(failures),
        }
    }
    feasible
}

/// One decision on a prepared table. The vectorised kernel takes the rows of the scan layout
/// when the total is LeastAllocated at weight 1, plus BalancedAllocation at weight 0 or 1 (and a
/// TaintToleration weight), and the pod
/// has no node selector or affinity: the table keeps tainted rows out of the layout (they are
/// exact rows), so every kernel row is untainted, scores 0 untolerated PreferNoSchedule
/// taints and gets TaintToleration's full 100 whatever the maximum is. The exact rows, or
/// every row when the kernel cannot decide, take the two-pass scan.
fn decide(table: &NodeTable, pod: &Requests, c: &Constraints) -> Decision {
    let w = table.weights;
    let kernel_fits = table.len() <= MAX_KERNEL_ROWS
        && w.least_allocated == 1
        && (w.balanced_allocation == 0 || w.balanced_allocation == 1)
        && c.affinity.is_empty();
    let terms = PodTerms::new(pod)
        .filter(|_| kernel_fits)
        .map(|t| PodTerms {
            with_balance: w.balanced_allocation == 1,
            ..t
        });
    let mut reasons = ReasonCounts::default();
    let mut best: Option<Best> = None;
    let mut feasible = match terms {
        Some(_) => {
            let rows = table.exact_rows().iter().map(|&i| i as usize);
            offer_rows(table, rows, pod, c, &mut reasons, &mut best)
        }
        None => offer_rows(table, 0..table.len(), pod, c, &mut reasons, &mut best),
    };
    if let Some(terms) = terms {
        let s = kernel::scan(table.columns(), &terms);
        if s.best_key >= 0 {
            let (score, rank) = split_key(s.best_key);
            let taint = taints::normalize_reversed(0, 0).wrapping_mul(w.taint_toleration);
            Best::offer(&mut best, score.wrapping_add(taint), rank);
        }
        let gated = table.gate_counts();
        feasible += s.feasible;
        reasons.unschedulable += gated.unschedulable;
        reasons.too_many_pods += gated.too_many_pods;
        reasons.insufficient_cpu += s.insufficient_cpu;
        reasons.insufficient_memory += s.insufficient_memory;
    }
    Decision {
        best: best.map(|b| table.row_at_rank(b.rank)),
        score: best.map_or(0, |b| b.score),
        feasible,
        reasons,
    }
}

/// Per row in table order, the score for `pod`, or -1 where a filter rejects the node. Rows
/// the kernel takes are evaluated with the kernel's own arithmetic, one node at a time, so the
/// differential tests compare it node by node.
pub fn score_all(table: &mut NodeTable, pod: &Requests, c: &Constraints) -> Vec<f64> {
    table.prepare();
    if constraints_matter(table, c) {
        let mut out = vec![-1.0; table.len()];
        let rows = 0..table.len();
        for (i, score) in constrained_scores(table, rows, pod, c, &mut ReasonCounts::default()) {
            out[i] = score as f64;
        }
        return out;
    }
    let terms = PodTerms::new(pod).filter(|_| table.weights.is_least_allocated_only());
    (0..table.len())
        .map(|i| {
            let values = table.scan_values(i);
            let s = match terms {
                Some(t) if values.gate != GATE_EXACT => kernel::evaluate(&values, &t),
                _ => {
                    let row = &table.rows()[i];
                    filter(row, pod)
                        .is_empty()
                        .then(|| total_score(row, pod, table.weights))
                }
            };
            s.map_or(-1.0, |s| s as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::js_order::cmp_js;
    use crate::layout::MAX_FAST_ALLOCATABLE;
    use crate::least_allocated::score;
    use crate::node_table::Allocatable;
    use std::cmp::Ordering;

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

    /// The reference: the reference filter and the weighted total (`total_score`, plus
    /// TaintToleration's 100 on an untainted table) on every row, string tie-break.
    fn reference(table: &NodeTable, pod: &Requests) -> Decision {
        let w = table.weights;
        let mut d = Decision::default();
        for (i, row) in table.rows().iter().enumerate() {
            let f = filter(row, pod);
            if !f.is_empty() {
                d.reasons.record(f);
                continue;
            }
            d.feasible += 1;
            let s = total_score(row, pod, w) + 100 * w.taint_toleration;
            let better = match d.best {
                None => true,
                Some(b) => {
                    s > d.score
                        || (s == d.score
                            && cmp_js(&table.names()[i], &table.names()[b]) == Ordering::Less)
                }
            };
            if better {
                d.best = Some(i);
                d.score = s;
            }
        }
        d
    }

    fn reference_scores(table: &NodeTable, pod: &Requests) -> Vec<f64> {
        table
            .rows()
            .iter()
            .map(|row| {
                if filter(row, pod).is_empty() {
                    score(row, pod) as f64
                } else {
                    -1.0
                }
            })
            .collect()
    }

    #[test]
    fn empty_table_schedules_nowhere() {
        let mut t = NodeTable::new();
        assert_eq!(
            schedule(&mut t, &pod(1, 1), &Constraints::default()),
            Decision::default()
        );
        assert!(score_all(&mut t, &pod(1, 1), &Constraints::default()).is_empty());
    }

    #[test]
    fn picks_the_least_allocated_node() {
        let mut t = NodeTable::new();
        t.upsert("busy", alloc(4000, 8 * GI, 110), false);
        t.upsert("idle", alloc(4000, 8 * GI, 110), false);
        t.add_pod("busy", &pod(2000, 4 * GI));
        let d = schedule(&mut t, &pod(500, GI), &Constraints::default());
        assert_eq!(d.best, t.position("idle"));
        assert_eq!(d.feasible, 2);
        // cpu (4000-500)*100/4000 = 87, memory (8-1)*100/8 = 87
        assert_eq!(d.score, 87);
        assert_eq!(
            score_all(&mut t, &pod(500, GI), &Constraints::default()),
            vec![37.0, 87.0]
        );
    }

    #[test]
    fn ties_go_to_the_smallest_name_whatever_the_order() {
        let mut t = NodeTable::new();
        for name in ["node-b", "node-c", "node-a", "node-10"] {
            t.upsert(name, alloc(1000, GI, 10), false);
        }
        let d = schedule(&mut t, &pod(100, MI), &Constraints::default());
        assert_eq!(d.best.map(|i| t.names()[i].as_str()), Some("node-10"));
        t.remove("node-10");
        let d = schedule(&mut t, &pod(100, MI), &Constraints::default());
        assert_eq!(d.best.map(|i| t.names()[i].as_str()), Some("node-a"));
    }

    #[test]
    fn counts_reasons_and_reports_no_node() {
        let mut t = NodeTable::new();
        t.upsert("cordoned", alloc(0, 0, 0), true);
        t.upsert("small", alloc(100, MI, 0), false);
        t.upsert("cpu-only", alloc(100, 10 * GI, 10), false);
        let d = schedule(&mut t, &pod(200, 2 * MI), &Constraints::default());
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
                untolerated_taint: 0,
                node_affinity: 0,
            }
        );
        assert_eq!(
            score_all(&mut t, &pod(200, 2 * MI), &Constraints::default()),
            vec![-1.0, -1.0, -1.0]
        );
    }

    #[test]
    fn exact_rows_merge_with_the_kernel() {
        let mut t = NodeTable::new();
        let huge = MAX_FAST_ALLOCATABLE * 2;
        t.upsert("fast-a", alloc(4000, 64 * GI, 110), false);
        t.upsert("huge", alloc(4000, huge, 110), false);
        t.upsert("fast-b", alloc(4000, 64 * GI, 110), false);
        // Same cpu, "huge" frees more memory: it wins, from the exact path.
        let d = schedule(&mut t, &pod(100, GI), &Constraints::default());
        assert_eq!(d.best, t.position("huge"));
        assert_eq!(d.feasible, 3);
        assert_eq!(d, reference(&t, &pod(100, GI)));
        // A pod out of the kernel's range goes through the reference for every row.
        let odd = Requests {
            non_zero_memory_bytes: -1,
            ..pod(100, GI)
        };
        assert_eq!(
            schedule(&mut t, &odd, &Constraints::default()),
            reference(&t, &odd)
        );
        assert_eq!(
            score_all(&mut t, &odd, &Constraints::default()),
            reference_scores(&t, &odd)
        );
    }

    #[test]
    fn a_batch_accounts_each_placement_for_the_next() {
        let mut t = NodeTable::new();
        t.upsert("a", alloc(1000, GI, 2), false);
        t.upsert("b", alloc(1000, GI, 2), false);
        let pods = [pod(400, 0); 5];
        let mut got = Vec::new();
        schedule_batch(&mut t, &pods, &Constraints::default(), |d| {
            got.push(d.best.map(t_name))
        });
        fn t_name(i: usize) -> &'static str {
            ["a", "b"][i]
        }
        // a, b (a now fuller), a, b, then both hold 2 pods: none.
        assert_eq!(got, [Some("a"), Some("b"), Some("a"), Some("b"), None]);
        assert_eq!(t.usage("a").map(|u| (u.pods, u.milli_cpu)), Some((2, 800)));
        assert_eq!(t.usage("b").map(|u| (u.pods, u.milli_cpu)), Some((2, 800)));
    }

    /// Not a correctness test: the scan's cost without napi, per build of the kernel, on
    /// tables of 1,000 / 5,000 / 15,000 nodes shaped like `measureCores`' (median of 9 runs of
    /// 200 pods each). Run it with
    /// `cargo test --release -- --ignored --nocapture scan_speed`.
    #[test]
    #[ignore]
    fn scan_speed() {
        use crate::kernel::{scan_with, Isa};
        use std::time::Instant;
        let mut r = Rng(0x5EED);
        for nodes in [1000, 5000, 15000] {
            let mut t = NodeTable::new();
            for i in 0..nodes {
                let name = format!("node-{i:06}");
                let cpu = r.pick(&[4000, 8000, 16000, 32000]);
                let mem = r.pick(&[16, 32, 64, 128]) * GI;
                t.upsert(&name, alloc(cpu, mem, 110), r.below(50) == 0);
                for _ in 0..r.below(5) {
                    t.add_pod(
                        &name,
                        &pod(100 * (1 + r.below(10)), 128 * MI * (1 + r.below(16))),
                    );
                }
            }
            t.prepare();
            let pods: Vec<PodTerms> = (0..200)
                .filter_map(|_| {
                    PodTerms::new(&pod(100 * (1 + r.below(10)), 64 * MI * (2 + r.below(30))))
                })
                .collect();
            for isa in [Isa::Baseline, Isa::Avx2] {
                let mut samples: Vec<f64> = (0..9)
                    .map(|_| {
                        let start = Instant::now();
                        let mut sink = 0i64;
                        for p in &pods {
                            sink += i64::from(scan_with(isa, t.columns(), p).best_key);
                        }
                        assert!(sink > 0);
                        start.elapsed().as_secs_f64() * 1e9 / pods.len() as f64
                    })
                    .collect();
                samples.sort_by(f64::total_cmp);
                let ns = samples[samples.len() / 2];
                println!(
                    "{nodes} nodes, {}: {:.2} us per pod, {:.2} ns per node",
                    isa.name(),
                    ns / 1000.0,
                    ns / nodes as f64
                );
            }
        }
    }

    /// Not a correctness test: the two-pass scan's cost without napi on tables shaped like
    /// `measureCores({ constraints: true })` (taints on half the nodes, zone and pool labels;
    /// the pod tolerates one team, requires 2 of 3 zones, prefers a pool; weights 1, 3, 2).
    /// Run it with `cargo test --release -- --ignored --nocapture constrained_speed`.
    #[test]
    #[ignore]
    fn constrained_speed() {
        use crate::affinity::{Labels, Requirement, IN};
        use crate::taints::{Taint, NO_SCHEDULE, PREFER_NO_SCHEDULE};
        use std::time::Instant;
        let mut r = Rng(0xC0FFEE);
        // Interned ids: 1 dedicated, 2..5 teams, 6 spot, 7 true, 8 zone, 9..11 zones, 12 pool,
        // 13..16 pools.
        for nodes in [1000, 5000, 15000] {
            let mut t = NodeTable::new();
            for i in 0..nodes {
                let row = t.upsert(&format!("node-{i:06}"), alloc(8000, 64 * GI, 110), false);
                let mut taints = Vec::new();
                if r.below(5) == 0 {
                    let team = 2 + r.below(4) as u32;
                    taints.push(Taint {
                        key: 1,
                        value: team,
                        effect: NO_SCHEDULE,
                    });
                }
                if r.below(10) < 3 {
                    taints.push(Taint {
                        key: 6,
                        value: 7,
                        effect: PREFER_NO_SCHEDULE,
                    });
                }
                t.set_taints(row, taints);
                let zone = 9.0 + r.below(3) as f64;
                let pool = 13.0 + r.below(4) as f64;
                let labels = [
                    0.0,
                    f64::NAN,
                    2.0,
                    8.0,
                    zone,
                    f64::NAN,
                    12.0,
                    pool,
                    f64::NAN,
                ];
                t.set_labels(row, Labels::decode(&labels).unwrap());
            }
            t.weights = crate::balanced_allocation::Weights {
                least_allocated: 1,
                balanced_allocation: 0,
                taint_toleration: 3,
                node_affinity: 2,
            };
            let requirement = |key: u32, values: Vec<f64>| Requirement {
                operator: IN,
                field: false,
                key,
                values,
            };
            let c = Constraints {
                tolerations: vec![Toleration {
                    key: 1,
                    value: 2,
                    effect: NO_SCHEDULE,
                }],
                affinity: PodAffinity {
                    selector: vec![],
                    required: Some(vec![vec![requirement(8, vec![9.0, 10.0])]]),
                    preferred: vec![(50, vec![requirement(12, vec![14.0])])],
                },
            };
            let p = pod(500, GI);
            let mut samples: Vec<f64> = (0..9)
                .map(|_| {
                    let start = Instant::now();
                    let mut sink = 0i64;
                    for _ in 0..50 {
                        sink += schedule(&mut t, &p, &c).score;
                    }
                    assert!(sink > 0);
                    start.elapsed().as_secs_f64() * 1e9 / 50.0
                })
                .collect();
            samples.sort_by(f64::total_cmp);
            let ns = samples[samples.len() / 2];
            println!(
                "{nodes} nodes, constrained: {:.1} us per pod, {:.1} ns per node",
                ns / 1000.0,
                ns / nodes as f64
            );
        }
    }

    /// xorshift64*, for the randomized comparison below.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> i64 {
            (self.next() % n) as i64
        }
        fn pick(&mut self, items: &[i64]) -> i64 {
            items[self.below(items.len() as u64) as usize]
        }
    }

    fn random_pod(r: &mut Rng) -> Requests {
        let cpu = r.pick(&[0, 0, 50, 100, 250, 1000, 3999, 4000, 4001, 1 << 40]);
        let mem = r.pick(&[
            0,
            0,
            1,
            MI,
            200 * MI,
            GI,
            3 * GI,
            1 << 45,
            1 << 53,
            (1 << 53) + 2,
        ]);
        let mut p = pod(cpu, mem);
        if r.below(50) == 0 {
            p.non_zero_milli_cpu = -r.below(5); // out of the kernel's range (or 0)
        }
        p
    }

    /// One random change to `t` on a node named `n0`..`n<universe>`: an upsert (allocatable in
    /// and out of the kernel's range, sometimes cordoned), a pod added or removed, or a removal.
    fn random_change(r: &mut Rng, t: &mut NodeTable, universe: u64) {
        let name = format!("n{}", r.below(universe));
        match r.below(10) {
            0..=3 => {
                let cpu = r.pick(&[0, -5, 100, 1000, 4000, 64_000, MAX_FAST_ALLOCATABLE]);
                let mem = r.pick(&[
                    0,
                    GI,
                    16 * GI,
                    3 * GI + 7,
                    MAX_FAST_ALLOCATABLE,
                    MAX_FAST_ALLOCATABLE + 1,
                    1 << 50,
                ]);
                let pods = r.pick(&[0, 1, 2, 3, 110]);
                t.upsert(&name, alloc(cpu, mem, pods), r.below(8) == 0);
            }
            4..=6 => t.add_pod(&name, &random_pod(r)),
            7 => t.remove_pod(&name, &random_pod(r)),
            _ => {
                t.remove(&name);
            }
        }
    }

    /// Random tables with nodes in and out of the kernel's range, compared with the reference
    /// after every update: decisions (including the chosen row), scores per row, batches.
    #[test]
    fn the_kernel_and_the_exact_rows_agree_with_the_reference() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..300 {
            let mut t = NodeTable::new();
            let universe = 1 + r.below(70) as u64;
            for step in 0..60 {
                random_change(&mut r, &mut t, universe);
                let p = random_pod(&mut r);
                let expected = reference(&t, &p);
                let got = schedule(&mut t, &p, &Constraints::default());
                assert_eq!(got, expected, "round {round} step {step} pod {p:?}");
                assert_eq!(
                    score_all(&mut t, &p, &Constraints::default()),
                    reference_scores(&t, &p)
                );
            }
            // A batch equals one decision and one add_pod at a time.
            let pods: Vec<Requests> = (0..20).map(|_| random_pod(&mut r)).collect();
            let mut batch = Vec::new();
            schedule_batch(&mut t, &pods, &Constraints::default(), |d| batch.push(*d));
            for (k, d) in batch.iter().enumerate() {
                if let Some(row) = d.best {
                    t.remove_pod(&t.names()[row].clone(), &pods[k]);
                }
            }
            for (k, p) in pods.iter().enumerate() {
                let d = schedule(&mut t, p, &Constraints::default());
                assert_eq!(d, batch[k], "round {round} batch pod {k}");
                if let Some(row) = d.best {
                    t.add_pod_at(row, p);
                }
            }
        }
    }

    /// The kernel with BalancedAllocation (weight 1, with and without a TaintToleration weight)
    /// against the reference, on the same random tables as above.
    #[test]
    fn the_kernel_with_balanced_allocation_agrees_with_the_reference() {
        let mut r = Rng(0x2545_F491_4F6C_DD1D);
        for round in 0..300 {
            let mut t = NodeTable::new();
            t.weights = crate::balanced_allocation::Weights {
                least_allocated: 1,
                balanced_allocation: 1,
                taint_toleration: if round % 2 == 0 { 3 } else { 0 },
                node_affinity: 0,
            };
            let universe = 1 + r.below(70) as u64;
            for step in 0..60 {
                random_change(&mut r, &mut t, universe);
                let p = random_pod(&mut r);
                let expected = reference(&t, &p);
                let got = schedule(&mut t, &p, &Constraints::default());
                assert_eq!(got, expected, "round {round} step {step} pod {p:?}");
            }
        }
    }
}
