//! The scan layout: per node, one `i32` and ten `f64` values derived from its exact `i64`
//! state, in eleven columns (struct of arrays, 84 bytes per node), so that one pass streams
//! through them and every operation of the kernel is the same on every node.
//!
//! The values are chosen so that the kernel ([`crate::kernel`]) needs no division, no branch
//! and no 64-bit integer comparison (SSE2, the x86-64 baseline, has none), and so that its
//! results are *exactly* those of the `i64` reference ([`crate::fit`],
//! [`crate::least_allocated`]). Nodes whose state falls outside the proven range are marked
//! [`GATE_EXACT`]: the kernel skips them and the scan evaluates them with the reference code.
//!
//! # Filters
//!
//! `pod cpu > allocatable cpu - requested cpu` is evaluated as `cpu_need > free_cpu` in `f64`,
//! with `free_cpu` clamped to `[-1, 2^53]` and `cpu_need` the pod's request when it is positive
//! (else `-inf`, so the check never fires, as in the reference). Every integer in
//! `[-2^53, 2^53]` is an `f64`, so the comparison is exact as long as the pod's request is at
//! most 2^53 (checked per pod, see [`PodTerms::new`]); the clamps do not change its outcome for
//! such a request. The same for memory. Pods: `pods + 1 > allocatable pods` is decided once per
//! node update and folded into the gate.
//!
//! An unschedulable node counts under no resource reason, so its free quantities are `+inf`:
//! no pod is short of anything there, and the kernel counts shortages without looking at the
//! gate. The gate-level reasons (unschedulable, too many pods) do not depend on the pod at all;
//! the table keeps their counts as nodes change ([`crate::node_table::NodeTable::gate_counts`]).
//!
//! # Score
//!
//! For one resource with allocatable `A` and non-zero requests `U` on the node, the reference
//! score for a pod requesting `p` is `0` if `A <= 0` or `U + p > A`, else
//! `floor(100 * (A - U - p) / A)`. The layout keeps `free = A - U` (clamped to `-1` below 0)
//! and `scale = 100 / A` (rounded; 0 when `A <= 0`), and the kernel computes
//! `floor(max((free - p) * scale + EPSILON, 0))`. This is exact when `0 < A <= 2^43`,
//! `U >= 0` and `0 <= p <= 2^53` (else the node, or the pod, takes the reference path):
//!
//! - `D = free - p` is computed exactly when `0 <= D <= A` (both operands and the result are
//!   integers of at most 2^53), and is at most `-1` when negative (rounding is monotone), in
//!   which case `D * scale + EPSILON < 0` and the score is 0, as in the reference.
//! - For `0 <= D <= A` the exact quotient `v = 100 D / A` lies in `[0, 100]`; two roundings
//!   (`scale`, then the product) put `x` within `100 * 2^-52 < 2.3e-14` of it.
//!   `EPSILON = 2^-45 ≈ 2.8e-14` exceeds that, so when `v` is an integer `k`, `x + EPSILON > k`
//!   and the floor is `k`. When `v` is not an integer, it is at least `1 / A >= 2^-43 ≈ 1.1e-13`
//!   away from the integers around it, so `x + EPSILON` stays in `(k, k + 1 - 6e-14)`, which
//!   rounding (half an ulp below 128 is 2^-47 ≈ 7e-15) cannot carry to `k + 1`.
//!
//! `A <= 0` gives `scale = 0`, so the value is `EPSILON` and the score 0.
//!
//! # BalancedAllocation
//!
//! The reference ([`crate::balanced_allocation`]) computes per resource
//! `min((U + p) as f64 / A as f64, 1)` (-1 when `A` is 0) from the real requests `U` and the
//! pod's real request `p`, then `trunc((1 - |(cpu - memory) / 2|) * 100)`, or 100 when a
//! fraction is negative. The layout keeps `U` and `A` as `f64` and the kernel does the same
//! operations in the same order: `U as f64 + p as f64` is the correctly rounded sum, which is
//! `(U + p) as f64` whenever `U` and `p` are integers of magnitude at most 2^53 (rows with a
//! larger `U` are [`GATE_EXACT`]; pods with a larger `p` take the reference path), and `A as
//! f64` is the reference's own conversion. So the score is bit for bit the reference's.
//!
//! # Choice
//!
//! The gate value of an open node is its tie value `2^23 - 1 - rank`, where `rank` is the
//! node's position in JavaScript name order, and the kernel's key of a feasible node is the
//! `i32` `score << 23 | tie` (the score, LeastAllocated plus at most one BalancedAllocation,
//! is at most 200 < 256). The largest key is the highest score, then the smallest name, with
//! no string comparison in the loop. Tables of more than 2^23 nodes do not fit the key and
//! take the reference path.

use crate::node_table::Row;

/// The gate of a node whose `pods + 1 > allocatable pods`.
pub const GATE_TOO_MANY_PODS: i32 = -1;
/// The gate of an unschedulable (cordoned) node.
pub const GATE_UNSCHEDULABLE: i32 = -2;
/// The gate of a node the scan evaluates with the exact reference code: the kernel counts
/// nothing for it and never picks it.
pub const GATE_EXACT: i32 = -3;

/// Bits of a key that hold the tie value.
pub const TIE_BITS: u32 = 23;

/// The most nodes the kernel takes (`2^23`, the number of tie values).
pub const MAX_KERNEL_ROWS: usize = 1 << TIE_BITS;

/// The largest allocatable quantity whose score the kernel computes (`2^43`: 8 TiB of memory).
pub const MAX_FAST_ALLOCATABLE: i64 = 1 << 43;

/// The largest pod request the kernel takes (`2^53`): every integer up to it is an `f64`.
pub const MAX_FAST_REQUEST: i64 = 1 << 53;

/// Added before rounding a resource score down (`2^-45`, see the module documentation).
pub const SCORE_EPSILON: f64 = 1.0 / 35_184_372_088_832.0;

/// The scan layout: one entry per row in every column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Columns {
    /// Tie value (open node, `>= 0`) or one of the negative `GATE_*` values.
    pub gate: Vec<i32>,
    /// Allocatable cpu minus requested cpu, clamped to `[-1, 2^53]`; `+inf` for unschedulable
    /// and [`GATE_EXACT`] nodes.
    pub free_cpu: Vec<f64>,
    /// Allocatable memory minus requested memory, clamped to `[-1, 2^53]`; `+inf` likewise.
    pub free_memory: Vec<f64>,
    /// Allocatable cpu minus non-zero requested cpu, clamped to `>= -1`.
    pub score_free_cpu: Vec<f64>,
    /// `100 / allocatable cpu`, or 0.
    pub cpu_scale: Vec<f64>,
    /// Allocatable memory minus non-zero requested memory, clamped to `>= -1`.
    pub score_free_memory: Vec<f64>,
    /// `100 / allocatable memory`, or 0.
    pub memory_scale: Vec<f64>,
    /// Requested cpu (real requests), for BalancedAllocation.
    pub requested_cpu: Vec<f64>,
    /// Allocatable cpu, for BalancedAllocation.
    pub allocatable_cpu: Vec<f64>,
    /// Requested memory (real requests), for BalancedAllocation.
    pub requested_memory: Vec<f64>,
    /// Allocatable memory, for BalancedAllocation.
    pub allocatable_memory: Vec<f64>,
}

impl Columns {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.gate.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.gate.is_empty()
    }

    /// Appends a row.
    pub fn push(&mut self, v: &ScanValues) {
        self.gate.push(v.gate);
        self.free_cpu.push(v.free_cpu);
        self.free_memory.push(v.free_memory);
        self.score_free_cpu.push(v.score_free_cpu);
        self.cpu_scale.push(v.cpu_scale);
        self.score_free_memory.push(v.score_free_memory);
        self.memory_scale.push(v.memory_scale);
        self.requested_cpu.push(v.requested_cpu);
        self.allocatable_cpu.push(v.allocatable_cpu);
        self.requested_memory.push(v.requested_memory);
        self.allocatable_memory.push(v.allocatable_memory);
    }

    /// Overwrites row `i`.
    pub fn set(&mut self, i: usize, v: &ScanValues) {
        self.gate[i] = v.gate;
        self.free_cpu[i] = v.free_cpu;
        self.free_memory[i] = v.free_memory;
        self.score_free_cpu[i] = v.score_free_cpu;
        self.cpu_scale[i] = v.cpu_scale;
        self.score_free_memory[i] = v.score_free_memory;
        self.memory_scale[i] = v.memory_scale;
        self.requested_cpu[i] = v.requested_cpu;
        self.allocatable_cpu[i] = v.allocatable_cpu;
        self.requested_memory[i] = v.requested_memory;
        self.allocatable_memory[i] = v.allocatable_memory;
    }

    /// Row `i`.
    pub fn get(&self, i: usize) -> ScanValues {
        ScanValues {
            gate: self.gate[i],
            free_cpu: self.free_cpu[i],
            free_memory: self.free_memory[i],
            score_free_cpu: self.score_free_cpu[i],
            cpu_scale: self.cpu_scale[i],
            score_free_memory: self.score_free_memory[i],
            memory_scale: self.memory_scale[i],
            requested_cpu: self.requested_cpu[i],
            allocatable_cpu: self.allocatable_cpu[i],
            requested_memory: self.requested_memory[i],
            allocatable_memory: self.allocatable_memory[i],
        }
    }

    /// Removes row `i`; the last row takes its place.
    pub fn swap_remove(&mut self, i: usize) {
        self.gate.swap_remove(i);
        self.free_cpu.swap_remove(i);
        self.free_memory.swap_remove(i);
        self.score_free_cpu.swap_remove(i);
        self.cpu_scale.swap_remove(i);
        self.score_free_memory.swap_remove(i);
        self.memory_scale.swap_remove(i);
        self.requested_cpu.swap_remove(i);
        self.allocatable_cpu.swap_remove(i);
        self.requested_memory.swap_remove(i);
        self.allocatable_memory.swap_remove(i);
    }
}

/// One node's scan values (one row of [`Columns`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScanValues {
    pub gate: i32,
    pub free_cpu: f64,
    pub free_memory: f64,
    pub score_free_cpu: f64,
    pub cpu_scale: f64,
    pub score_free_memory: f64,
    pub memory_scale: f64,
    pub requested_cpu: f64,
    pub allocatable_cpu: f64,
    pub requested_memory: f64,
    pub allocatable_memory: f64,
}

impl ScanValues {
    /// The values of a node the kernel must skip.
    pub const EXACT: ScanValues = ScanValues {
        gate: GATE_EXACT,
        free_cpu: f64::INFINITY,
        free_memory: f64::INFINITY,
        score_free_cpu: 0.0,
        cpu_scale: 0.0,
        score_free_memory: 0.0,
        memory_scale: 0.0,
        requested_cpu: 0.0,
        allocatable_cpu: 0.0,
        requested_memory: 0.0,
        allocatable_memory: 0.0,
    };

    /// The scan values of `row` at name rank `rank`, or `None` when the kernel cannot
    /// evaluate the node exactly (an allocatable cpu or memory above [`MAX_FAST_ALLOCATABLE`],
    /// or negative non-zero requests, which only removing pods never added produces, or real
    /// requests beyond 2^53 in magnitude).
    pub fn of(row: &Row, rank: u32) -> Option<ScanValues> {
        let a = &row.allocatable;
        let u = &row.usage;
        let exact = |x: i64| (-MAX_FAST_REQUEST..=MAX_FAST_REQUEST).contains(&x);
        if !exact(u.milli_cpu) || !exact(u.memory_bytes) {
            return None;
        }
        let (score_free_cpu, cpu_scale) = score_terms(a.milli_cpu, u.non_zero_milli_cpu)?;
        let (score_free_memory, memory_scale) =
            score_terms(a.memory_bytes, u.non_zero_memory_bytes)?;
        // NodeUnschedulable runs first: no resource check counts for a cordoned node.
        let free = |allocatable: i64, requested: i64| {
            if row.unschedulable {
                f64::INFINITY
            } else {
                clamp_free(allocatable.wrapping_sub(requested))
            }
        };
        Some(ScanValues {
            gate: gate(row, rank),
            free_cpu: free(a.milli_cpu, u.milli_cpu),
            free_memory: free(a.memory_bytes, u.memory_bytes),
            score_free_cpu,
            cpu_scale,
            score_free_memory,
            memory_scale,
            requested_cpu: u.milli_cpu as f64,
            allocatable_cpu: a.milli_cpu as f64,
            requested_memory: u.memory_bytes as f64,
            allocatable_memory: a.memory_bytes as f64,
        })
    }
}

/// The gate value of a node the kernel evaluates: its tie value when no gate-level filter
/// rejects it. `NodeUnschedulable` runs first, as in [`crate::fit::filter`].
pub fn gate(row: &Row, rank: u32) -> i32 {
    if row.unschedulable {
        GATE_UNSCHEDULABLE
    } else if row.usage.pods.wrapping_add(1) > row.allocatable.pods {
        GATE_TOO_MANY_PODS
    } else {
        tie(rank)
    }
}

/// `2^23 - 1 - rank`: larger for names that sort first (0 for ranks beyond 2^23, which only
/// tables too large for the kernel have).
#[inline]
pub fn tie(rank: u32) -> i32 {
    (MAX_KERNEL_ROWS as i32 - 1)
        .saturating_sub_unsigned(rank)
        .max(0)
}

/// The score and the name rank in a key of the kernel.
#[inline]
pub fn split_key(key: i32) -> (i64, u32) {
    let tie = key & (MAX_KERNEL_ROWS as i32 - 1);
    (
        i64::from(key >> TIE_BITS),
        (MAX_KERNEL_ROWS as i32 - 1 - tie) as u32,
    )
}

/// A filter's free quantity, clamped to `[-1, 2^53]` (see the module documentation).
#[inline]
fn clamp_free(free: i64) -> f64 {
    free.clamp(-1, MAX_FAST_REQUEST) as f64
}

/// `(free, scale)` of one scored resource, or `None` outside the kernel's exact range.
fn score_terms(allocatable: i64, non_zero_requested: i64) -> Option<(f64, f64)> {
    if allocatable <= 0 {
        return Some((0.0, 0.0));
    }
    if allocatable > MAX_FAST_ALLOCATABLE || non_zero_requested < 0 {
        return None;
    }
    // 0 < allocatable <= 2^43 and requested >= 0: no overflow; free <= allocatable.
    let free = (allocatable - non_zero_requested).max(-1);
    Some((free as f64, 100.0 / allocatable as f64))
}

/// A pod's requests as the kernel takes them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PodTerms {
    /// The cpu request when positive, else `-inf` (the cpu check is skipped).
    pub cpu_need: f64,
    /// The memory request when positive, else `-inf`.
    pub memory_need: f64,
    /// Non-zero cpu request.
    pub score_cpu: f64,
    /// Non-zero memory request.
    pub score_memory: f64,
    /// The real cpu request, for BalancedAllocation.
    pub balance_cpu: f64,
    /// The real memory request, for BalancedAllocation.
    pub balance_memory: f64,
    /// True when the kernel adds BalancedAllocation (at weight 1) to LeastAllocated.
    pub with_balance: bool,
}

impl PodTerms {
    /// The kernel's view of `pod` (LeastAllocated alone), or `None` when a request is beyond
    /// 2^53 in magnitude or a non-zero request is negative (the scan then evaluates every node
    /// with the reference code).
    pub fn new(pod: &crate::node_table::Requests) -> Option<PodTerms> {
        let in_range = |x: i64| (0..=MAX_FAST_REQUEST).contains(&x);
        let exact = |x: i64| (-MAX_FAST_REQUEST..=MAX_FAST_REQUEST).contains(&x);
        if !exact(pod.milli_cpu)
            || !exact(pod.memory_bytes)
            || !in_range(pod.non_zero_milli_cpu)
            || !in_range(pod.non_zero_memory_bytes)
        {
            return None;
        }
        let need = |x: i64| if x > 0 { x as f64 } else { f64::NEG_INFINITY };
        Some(PodTerms {
            cpu_need: need(pod.milli_cpu),
            memory_need: need(pod.memory_bytes),
            score_cpu: pod.non_zero_milli_cpu as f64,
            score_memory: pod.non_zero_memory_bytes as f64,
            balance_cpu: pod.milli_cpu as f64,
            balance_memory: pod.memory_bytes as f64,
            with_balance: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel's resource score for one lane, written out (the kernel inlines the same).
    fn lane_score(free: f64, scale: f64, p: f64) -> i64 {
        let x = (free - p) * scale + SCORE_EPSILON;
        if x > 0.0 {
            x as i64
        } else {
            0
        }
    }

    fn reference(allocatable: i64, requested: i64) -> i64 {
        if allocatable <= 0 || requested > allocatable {
            return 0;
        }
        (i128::from(allocatable - requested) * 100 / i128::from(allocatable)) as i64
    }

    #[test]
    fn keys_order_by_score_then_name_and_round_trip() {
        assert!(tie(0) > tie(1));
        assert_eq!(tie(0), (1 << TIE_BITS) - 1);
        assert_eq!(tie(1 << TIE_BITS), 0);
        assert_eq!(tie(u32::MAX), 0);
        for score in [0, 1, 50, 100, 127, 200, 255] {
            for rank in [0, 1, 77, (1 << TIE_BITS) - 1] {
                let key = score << TIE_BITS | tie(rank);
                assert!(key >= 0);
                assert_eq!(split_key(key), (i64::from(score), rank));
            }
        }
        assert!((7 << TIE_BITS | tie(5)) > (6 << TIE_BITS | tie(0)));
    }

    #[test]
    fn epsilon_is_two_to_the_minus_45() {
        assert_eq!(SCORE_EPSILON, 2f64.powi(-45));
    }

    /// The score computed from the layout equals the integer reference at and around every
    /// score boundary, for allocatable values up to the limit (odd, prime, powers of two).
    #[test]
    fn score_is_exact_around_every_boundary() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let mut allocatables = vec![1, 2, 3, 7, 100, 101, 4000, 1 << 30, 3 << 40];
        allocatables.extend([
            MAX_FAST_ALLOCATABLE,
            MAX_FAST_ALLOCATABLE - 1,
            8_796_093_022_151,
        ]);
        for _ in 0..400 {
            let bits = 1 + (next() % 43) as u32;
            allocatables.push(((next() >> (64 - bits)) as i64).max(1));
        }
        for &a in &allocatables {
            for used in [0, 1, a / 3, a / 2, a - 1, a, a + 1, a + 12_345] {
                let Some((free, scale)) = score_terms(a, used) else {
                    panic!("allocatable {a} is in range");
                };
                for k in 0..=101i128 {
                    // The smallest D with 100 D >= k A is ceil(k A / 100); requested = A - D.
                    let boundary = ((k * i128::from(a) + 99) / 100) as i64;
                    for d in [boundary - 1, boundary, boundary + 1] {
                        let p = a - used - d;
                        if !(0..=MAX_FAST_REQUEST).contains(&p) {
                            continue;
                        }
                        assert_eq!(
                            lane_score(free, scale, p as f64),
                            reference(a, used + p),
                            "allocatable {a}, used {used}, pod {p}"
                        );
                    }
                }
                for p in [0, 1, 100, a, MAX_FAST_REQUEST] {
                    assert_eq!(lane_score(free, scale, p as f64), reference(a, used + p));
                }
            }
        }
    }

    #[test]
    fn out_of_range_rows_and_pods_take_the_exact_path() {
        assert_eq!(score_terms(MAX_FAST_ALLOCATABLE + 1, 0), None);
        assert_eq!(score_terms(1000, -1), None);
        assert_eq!(score_terms(0, -5), Some((0.0, 0.0)));
        assert_eq!(score_terms(-7, 5), Some((0.0, 0.0)));
        let pod = |c, m, nc, nm| crate::node_table::Requests {
            milli_cpu: c,
            memory_bytes: m,
            non_zero_milli_cpu: nc,
            non_zero_memory_bytes: nm,
        };
        assert!(PodTerms::new(&pod(0, 0, 100, 200)).is_some());
        assert!(PodTerms::new(&pod(-5, -5, 0, 0)).is_some());
        assert_eq!(PodTerms::new(&pod(MAX_FAST_REQUEST + 1, 0, 0, 0)), None);
        assert_eq!(PodTerms::new(&pod(0, 0, -1, 0)), None);
        assert_eq!(PodTerms::new(&pod(0, 0, 0, MAX_FAST_REQUEST + 1)), None);
        let t = PodTerms::new(&pod(0, 7, 100, 7)).unwrap_or_else(|| unreachable!());
        assert_eq!(t.cpu_need, f64::NEG_INFINITY);
        assert_eq!(t.memory_need, 7.0);
    }

    #[test]
    fn free_quantities_are_clamped_without_changing_the_check() {
        assert_eq!(clamp_free(-12345), -1.0);
        assert_eq!(clamp_free(i64::MAX), MAX_FAST_REQUEST as f64);
        assert_eq!(clamp_free(42), 42.0);
        let (free, _) = score_terms(100, 5000).unwrap_or_default();
        assert_eq!(free, -1.0);
    }
}
