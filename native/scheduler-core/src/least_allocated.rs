//! The score: kube-scheduler's `NodeResourcesLeastAllocated` with cpu and memory at weight 1.
//!
//! Integer arithmetic like upstream, for each resource:
//! `requested = non-zero requested on the node + the pod's non-zero request`;
//! the resource score is 0 when `allocatable == 0` (here: `<= 0`) or `requested > allocatable`,
//! else `floor((allocatable - requested) * 100 / allocatable)`.
//! The node score is `floor((cpu score + memory score) / 2)`, in `0..=100` for consistent input.

use crate::node_table::{reciprocal, Requests, Row};

/// The highest score a node can get.
pub const MAX_NODE_SCORE: i64 = 100;

/// The weight of cpu in the node score.
pub const CPU_WEIGHT: i64 = 1;

/// The weight of memory in the node score.
pub const MEMORY_WEIGHT: i64 = 1;

/// One resource's score: the unrequested share of `allocatable`, scaled to `0..=100`, rounded
/// down. Exact whenever `allocatable - requested` fits in an `i64` (always, for the contract's
/// inputs below 2^53). (The reference form; the scan uses
/// [`least_requested_score_with`] and a reciprocal kept in the node table.)
pub fn least_requested_score(requested: i64, allocatable: i64) -> i64 {
    least_requested_score_with(requested, allocatable, reciprocal(allocatable))
}

/// [`least_requested_score`] given `inverse == reciprocal(allocatable)`, precomputed per node.
#[inline(always)]
pub fn least_requested_score_with(requested: i64, allocatable: i64, inverse: f64) -> i64 {
    if allocatable <= 0 || requested > allocatable {
        return 0;
    }
    // allocatable > 0 and free >= 0 from here on.
    let free = allocatable.saturating_sub(requested);
    if free <= allocatable && allocatable <= FAST_DIVISION_LIMIT {
        // The usual case: requested >= 0, so the quotient is in 0..=100 and every product in
        // `floor_div_small` fits in an i64.
        floor_div_small(free * MAX_NODE_SCORE, allocatable, inverse)
    } else {
        floor_div_wide(free, allocatable)
    }
}

/// `floor(free * 100 / allocatable)` for the rare inputs outside `floor_div_small`'s range:
/// negative usage (more pods removed than added) or allocatable beyond 2^56.
#[cold]
#[inline(never)]
fn floor_div_wide(free: i64, allocatable: i64) -> i64 {
    // free >= 0 and allocatable > 0, so truncating division is floor division.
    let q = i128::from(free) * i128::from(MAX_NODE_SCORE) / i128::from(allocatable);
    i64::try_from(q).unwrap_or(i64::MAX)
}

/// Allocatable up to which `floor_div_small` applies (`101 * 2^56 < 2^63`).
const FAST_DIVISION_LIMIT: i64 = 1 << 56;

/// Bound on `|n * inverse - n / d|` in `floor_div_small`. Four roundings contribute at most
/// 2^-53 of relative error each (`n as f64`, `d as f64`, `1.0 / d`, the product), on a value of
/// at most about 101, so the error is below 101 * 4 * 2^-53 ≈ 4.5e-14; the margin is more than
/// twenty times that.
const ESTIMATE_MARGIN: f64 = 1e-12;

/// `floor(n / d)` for `0 <= n <= 100 * d` and `0 < d <= 2^56`, given `inverse == 1.0 / d as
/// f64`, without a division (a 64-bit `idiv`, or even `divsd`, costs tens of cycles, and this
/// runs twice per feasible node).
///
/// `x = n * inverse` is within [`ESTIMATE_MARGIN`] of the exact quotient. If `x`'s fractional
/// part is farther than that from 0 and from 1, the exact quotient has the same integer part
/// and `trunc(x)` is the answer. Otherwise (exact multiples, such as a node with nothing
/// requested, or near-misses) the estimate is within one of the answer and one exact integer
/// check in each direction fixes it.
#[inline(always)]
fn floor_div_small(n: i64, d: i64, inverse: f64) -> i64 {
    let x = n as f64 * inverse;
    let q = x as i64;
    let frac = x - q as f64;
    if frac > ESTIMATE_MARGIN && frac < 1.0 - ESTIMATE_MARGIN {
        return q;
    }
    let q = q - i64::from(q * d > n);
    q + i64::from((q + 1) * d <= n)
}

/// The node's score for `pod`. Call only for nodes that passed the filters.
#[inline(always)]
pub fn score(node: &Row, pod: &Requests) -> i64 {
    let a = &node.allocatable;
    let u = &node.usage;
    let cpu = least_requested_score_with(
        u.non_zero_milli_cpu.wrapping_add(pod.non_zero_milli_cpu),
        a.milli_cpu,
        node.reciprocals.milli_cpu,
    );
    let memory = least_requested_score_with(
        u.non_zero_memory_bytes
            .wrapping_add(pod.non_zero_memory_bytes),
        a.memory_bytes,
        node.reciprocals.memory_bytes,
    );
    (cpu * CPU_WEIGHT + memory * MEMORY_WEIGHT) / (CPU_WEIGHT + MEMORY_WEIGHT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node_table::{Allocatable, Usage};

    #[test]
    fn resource_score_rounds_down() {
        assert_eq!(least_requested_score(0, 1000), 100);
        assert_eq!(least_requested_score(1000, 1000), 0);
        assert_eq!(least_requested_score(333, 1000), 66); // 66.7
        assert_eq!(least_requested_score(1, 3), 66); // 66.67
        assert_eq!(least_requested_score(2, 3), 33);
    }

    #[test]
    fn zero_allocatable_or_overcommit_scores_zero() {
        assert_eq!(least_requested_score(0, 0), 0);
        assert_eq!(least_requested_score(5, 0), 0);
        assert_eq!(least_requested_score(1001, 1000), 0);
    }

    #[test]
    fn large_memory_is_exact() {
        let a = 1i64 << 50;
        assert_eq!(least_requested_score(a / 3, a), 66);
        assert_eq!(least_requested_score(1, a), 99);
        assert_eq!(least_requested_score(0, i64::MAX), 100);
        assert_eq!(least_requested_score(1, i64::MAX), 99);
    }

    #[test]
    fn fast_division_matches_integer_division() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            // xorshift64*
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        for round in 0..300_000u32 {
            let bits = 1 + (next() % 63) as u32;
            let allocatable = ((next() >> (64 - bits)) as i64).max(1);
            // free = allocatable - requested; boundary k is reached at free = ceil(k * a / 100).
            let k = i128::from(round % 101);
            let boundary = ((k * i128::from(allocatable) + 99) / 100) as i64;
            let requested = match round % 6 {
                0 => 0,
                1 => allocatable,
                2 => allocatable - boundary,
                3 => (allocatable - boundary + 1).min(allocatable),
                4 => (allocatable - boundary - 1).max(0),
                _ => (next() % (allocatable as u64 + 1)) as i64,
            };
            let free = i128::from(allocatable - requested);
            let expected = (free * 100 / i128::from(allocatable)) as i64;
            assert_eq!(
                least_requested_score(requested, allocatable),
                expected,
                "requested {requested}, allocatable {allocatable}"
            );
        }
    }

    #[test]
    fn negative_usage_is_still_floor_division() {
        assert_eq!(least_requested_score(-1000, 1000), 200);
        assert_eq!(least_requested_score(-1, 3), 133);
        assert_eq!(least_requested_score(i64::MIN, 1), i64::MAX); // saturates, never wraps
    }

    #[test]
    fn node_score_averages_cpu_and_memory_with_floor() {
        let node = Row::new(
            false,
            Allocatable {
                milli_cpu: 4000,
                memory_bytes: 8 << 30,
                pods: 110,
            },
            Usage {
                milli_cpu: 1000,
                memory_bytes: 1 << 30,
                non_zero_milli_cpu: 1000,
                non_zero_memory_bytes: 1 << 30,
                pods: 3,
            },
        );
        // A pod with no requests scores as 100m / 200Mi.
        let pod = Requests {
            milli_cpu: 0,
            memory_bytes: 0,
            non_zero_milli_cpu: 100,
            non_zero_memory_bytes: 209_715_200,
        };
        // cpu: (4000-1100)*100/4000 = 72; memory: (8Gi-1Gi-200Mi)*100/8Gi = 85 -> (72+85)/2 = 78
        assert_eq!(score(&node, &pod), 78);
    }
}
