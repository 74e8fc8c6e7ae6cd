//! The score: kube-scheduler's `NodeResourcesLeastAllocated` with cpu and memory at weight 1.
//!
//! Integer arithmetic like upstream, for each resource:
//! `requested = non-zero requested on the node + the pod's non-zero request`;
//! the resource score is 0 when `allocatable == 0` (here: `<= 0`) or `requested > allocatable`,
//! else `floor((allocatable - requested) * 100 / allocatable)`.
//! The node score is `floor((cpu score + memory score) / 2)`, in `0..=100` for consistent input.

use crate::node_table::{Requests, Row};

/// The highest score a node can get.
pub const MAX_NODE_SCORE: i64 = 100;

/// The weight of cpu in the node score.
pub const CPU_WEIGHT: i64 = 1;

/// The weight of memory in the node score.
pub const MEMORY_WEIGHT: i64 = 1;

/// One resource's score: the unrequested share of `allocatable`, scaled to `0..=100`, rounded
/// down. Exact for every `i64` input (128-bit arithmetic; a result beyond `i64`, which only
/// negative usage can produce, saturates).
///
/// This is the reference: the scan runs it only for the rows and pods that the vectorised
/// kernel does not take ([`crate::layout`] proves the kernel equal to it elsewhere).
pub fn least_requested_score(requested: i64, allocatable: i64) -> i64 {
    if allocatable <= 0 || requested > allocatable {
        return 0;
    }
    // allocatable > 0 and free >= 0, so truncating division is floor division.
    let free = allocatable.saturating_sub(requested);
    if free <= i64::MAX / MAX_NODE_SCORE {
        // The product fits in i64: the same quotient without a 128-bit division (hot when the
        // whole table takes this path, e.g. with a BalancedAllocation weight).
        return free * MAX_NODE_SCORE / allocatable;
    }
    let q = i128::from(free) * i128::from(MAX_NODE_SCORE) / i128::from(allocatable);
    i64::try_from(q).unwrap_or(i64::MAX)
}

/// The node's score for `pod`. Call only for nodes that passed the filters.
pub fn score(node: &Row, pod: &Requests) -> i64 {
    let a = &node.allocatable;
    let u = &node.usage;
    let cpu = least_requested_score(
        u.non_zero_milli_cpu.wrapping_add(pod.non_zero_milli_cpu),
        a.milli_cpu,
    );
    let memory = least_requested_score(
        u.non_zero_memory_bytes
            .wrapping_add(pod.non_zero_memory_bytes),
        a.memory_bytes,
    );
    // Both are >= 0; 128 bits so that two saturated scores cannot overflow.
    let weighted =
        i128::from(cpu) * i128::from(CPU_WEIGHT) + i128::from(memory) * i128::from(MEMORY_WEIGHT);
    (weighted / i128::from(CPU_WEIGHT + MEMORY_WEIGHT)) as i64
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
    fn matches_integer_division_on_random_inputs() {
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
        let node = Row {
            unschedulable: false,
            allocatable: Allocatable {
                milli_cpu: 4000,
                memory_bytes: 8 << 30,
                pods: 110,
            },
            usage: Usage {
                milli_cpu: 1000,
                memory_bytes: 1 << 30,
                non_zero_milli_cpu: 1000,
                non_zero_memory_bytes: 1 << 30,
                pods: 3,
            },
        };
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
