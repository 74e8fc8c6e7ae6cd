//! The fused filter + score + argmax loop over the scan layout ([`crate::layout`]).
//!
//! One flat pass over the columns, branch-free, with only integer reductions (counts, and the
//! maximum of an `i32` key that packs the score and the name rank), which is the shape LLVM's
//! loop vectoriser turns into SIMD code: `f64` compares, subtract, multiply, clamp and two
//! `f64`→`i32` conversions per node, all in vector registers. The same source is compiled
//! twice: for the x86-64 baseline (SSE2: two `f64` lanes per instruction; every x86-64 CPU
//! runs it) and, on x86-64, with AVX2 enabled (four lanes), chosen at run time when the CPU
//! has it. No build flag is needed and the binary runs on any x86-64.

use std::sync::OnceLock;

use crate::layout::{Columns, PodTerms, ScanValues, SCORE_EPSILON, TIE_BITS};

/// What one pass over the columns found. Counts exclude nodes gated
/// [`crate::layout::GATE_EXACT`]; the gate-level reasons (unschedulable, too many pods) are
/// not the kernel's business (the table counts them, see [`crate::layout`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// The largest key (`score << 24 | tie`) of a feasible node, or -1 when none is.
    pub best_key: i32,
    pub feasible: u32,
    pub insufficient_cpu: u32,
    pub insufficient_memory: u32,
}

/// Which build of the loop runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// The target's baseline (SSE2 on x86-64).
    Baseline,
    /// AVX2 (x86-64 only).
    Avx2,
}

impl Isa {
    /// The widest build this CPU runs, decided once per process. Setting the environment
    /// variable `SKIFF_SCHEDULER_CORE_ISA=baseline` forces the baseline build (to measure it).
    pub fn detect() -> Isa {
        static ISA: OnceLock<Isa> = OnceLock::new();
        *ISA.get_or_init(|| {
            let forced = std::env::var("SKIFF_SCHEDULER_CORE_ISA").is_ok_and(|v| v == "baseline");
            if !forced && avx2_available() {
                Isa::Avx2
            } else {
                Isa::Baseline
            }
        })
    }

    /// `"avx2"` or `"baseline"`.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Baseline => "baseline",
            Isa::Avx2 => "avx2",
        }
    }
}

fn avx2_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Runs the loop with the build [`Isa::detect`] chose.
pub fn scan(columns: &Columns, pod: &PodTerms) -> Summary {
    scan_with(Isa::detect(), columns, pod)
}

/// Runs the loop with a given build. `Isa::Avx2` on a CPU without AVX2 runs the baseline.
pub fn scan_with(isa: Isa, columns: &Columns, pod: &PodTerms) -> Summary {
    #[cfg(target_arch = "x86_64")]
    {
        if isa == Isa::Avx2 && avx2_available() {
            // SAFETY: the CPU supports AVX2 (is_x86_feature_detected caches the answer).
            return unsafe { scan_avx2(columns, pod) };
        }
    }
    let _ = isa;
    scan_generic(columns, pod)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scan_avx2(columns: &Columns, pod: &PodTerms) -> Summary {
    scan_generic(columns, pod)
}

/// `floor(x)` for a resource score: `x` is clamped to `[0, 127]` first (NaN, impossible for
/// the layout's finite values, would read as 0), then truncated. 127 keeps every key positive.
#[inline(always)]
fn floor_score(x: f64) -> i32 {
    let x = if x > 0.0 { x } else { 0.0 };
    let x = if x < 127.0 { x } else { 127.0 };
    // SAFETY: x is finite and in [0, 127], so it fits in an i32.
    unsafe { x.to_int_unchecked::<i32>() }
}

/// One resource's score from the layout: `floor(max((free - p) * scale + EPSILON, 0))`.
#[inline(always)]
fn resource_score(free: f64, requested: f64, scale: f64) -> i32 {
    floor_score((free - requested) * scale + SCORE_EPSILON)
}

/// The node score, `floor((cpu + memory) / 2)`.
#[inline(always)]
fn node_score(
    score_free_cpu: f64,
    cpu_scale: f64,
    score_free_memory: f64,
    memory_scale: f64,
    pod: &PodTerms,
) -> i32 {
    let cpu = resource_score(score_free_cpu, pod.score_cpu, cpu_scale);
    let memory = resource_score(score_free_memory, pod.score_memory, memory_scale);
    (cpu + memory) >> 1
}

/// The resource checks: (cpu short, memory short).
#[inline(always)]
fn shortages(free_cpu: f64, free_memory: f64, pod: &PodTerms) -> (bool, bool) {
    (pod.cpu_need > free_cpu, pod.memory_need > free_memory)
}

/// One node evaluated alone with the loop's arithmetic: its score when it is feasible. For
/// `scoreAll`, so that tests compare the kernel's arithmetic node by node.
pub fn evaluate(v: &ScanValues, pod: &PodTerms) -> Option<i64> {
    let (cpu_short, memory_short) = shortages(v.free_cpu, v.free_memory, pod);
    let fits = (v.gate >= 0) & !cpu_short & !memory_short;
    let score = node_score(
        v.score_free_cpu,
        v.cpu_scale,
        v.score_free_memory,
        v.memory_scale,
        pod,
    );
    fits.then_some(i64::from(score))
}

/// One resource's BalancedAllocation fraction, as [`crate::balanced_allocation`] computes it:
/// `min((requested + p) / allocatable, 1)`, -1 when `allocatable` is 0.
#[inline(always)]
fn balance_fraction(requested: f64, p: f64, allocatable: f64) -> f64 {
    let f = (requested + p) / allocatable;
    let f = if f < 1.0 { f } else { 1.0 };
    if allocatable == 0.0 {
        -1.0
    } else {
        f
    }
}

/// The BalancedAllocation score: `trunc((1 - |(cpu - memory) / 2|) * 100)`, or 100 when a
/// fraction is negative. The value is in `[0, 100]`; the clamps only keep a NaN (impossible
/// for a feasible row, see [`crate::layout`]) from reaching the conversion.
#[inline(always)]
fn balance_score(cpu: f64, memory: f64) -> i32 {
    let x = (1.0 - ((cpu - memory) / 2.0).abs()) * 100.0;
    let x = if x > 0.0 { x } else { 0.0 };
    let x = if x < 100.0 { x } else { 100.0 };
    // SAFETY: x is finite and in [0, 100], so it fits in an i32.
    let score = unsafe { x.to_int_unchecked::<i32>() };
    if cpu >= 0.0 && memory >= 0.0 {
        score
    } else {
        100
    }
}

#[inline(always)]
fn scan_generic(c: &Columns, pod: &PodTerms) -> Summary {
    if pod.with_balance {
        scan_loop::<true>(c, pod)
    } else {
        scan_loop::<false>(c, pod)
    }
}

/// The loop; `BALANCE` adds BalancedAllocation at weight 1 to every key's score.
#[inline(always)]
fn scan_loop<const BALANCE: bool>(c: &Columns, pod: &PodTerms) -> Summary {
    let n = c.gate.len();
    // Every column sliced to the same length: no bounds checks in the loop.
    let gate = &c.gate[..n];
    let (free_cpu, free_memory) = (&c.free_cpu[..n], &c.free_memory[..n]);
    let (score_free_cpu, cpu_scale) = (&c.score_free_cpu[..n], &c.cpu_scale[..n]);
    let (score_free_memory, memory_scale) = (&c.score_free_memory[..n], &c.memory_scale[..n]);
    let (requested_cpu, allocatable_cpu) = (&c.requested_cpu[..n], &c.allocatable_cpu[..n]);
    let (requested_memory, allocatable_memory) =
        (&c.requested_memory[..n], &c.allocatable_memory[..n]);
    let mut s = Summary {
        best_key: -1,
        ..Summary::default()
    };
    for i in 0..n {
        // Gates: tie >= 0 open, -1 too many pods, -2 unschedulable, -3 not evaluated here. The
        // last two have infinite free quantities: never short, never counted.
        let g = gate[i];
        let (cpu_short, memory_short) = shortages(free_cpu[i], free_memory[i], pod);
        s.insufficient_cpu += u32::from(cpu_short);
        s.insufficient_memory += u32::from(memory_short);
        let fits = (g >= 0) & !cpu_short & !memory_short;
        s.feasible += u32::from(fits);
        let score = node_score(
            score_free_cpu[i],
            cpu_scale[i],
            score_free_memory[i],
            memory_scale[i],
            pod,
        );
        let score = if BALANCE {
            let cpu = balance_fraction(requested_cpu[i], pod.balance_cpu, allocatable_cpu[i]);
            let memory = balance_fraction(
                requested_memory[i],
                pod.balance_memory,
                allocatable_memory[i],
            );
            score + balance_score(cpu, memory)
        } else {
            score
        };
        let key = if fits { score << TIE_BITS | g } else { -1 };
        s.best_key = s.best_key.max(key);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{split_key, tie, GATE_TOO_MANY_PODS, GATE_UNSCHEDULABLE};

    fn node(
        gate: i32,
        free_cpu: f64,
        free_memory: f64,
        alloc_cpu: f64,
        alloc_mem: f64,
    ) -> ScanValues {
        ScanValues {
            gate,
            free_cpu,
            free_memory,
            score_free_cpu: free_cpu,
            cpu_scale: 100.0 / alloc_cpu,
            score_free_memory: free_memory,
            memory_scale: 100.0 / alloc_mem,
            requested_cpu: alloc_cpu - free_cpu,
            allocatable_cpu: alloc_cpu,
            requested_memory: alloc_mem - free_memory,
            allocatable_memory: alloc_mem,
        }
    }

    fn columns(nodes: &[ScanValues]) -> Columns {
        let mut c = Columns::default();
        for v in nodes {
            c.push(v);
        }
        c
    }

    fn pod(cpu: f64, memory: f64) -> PodTerms {
        PodTerms {
            cpu_need: if cpu > 0.0 { cpu } else { f64::NEG_INFINITY },
            memory_need: if memory > 0.0 {
                memory
            } else {
                f64::NEG_INFINITY
            },
            score_cpu: cpu.max(100.0),
            score_memory: memory.max(200.0),
            balance_cpu: cpu,
            balance_memory: memory,
            with_balance: false,
        }
    }

    #[test]
    fn both_builds_count_gates_and_pick_the_best_key() {
        let mut nodes = vec![
            node(tie(3), 1000.0, 1000.0, 1000.0, 1000.0), // 90, 80 -> 85
            node(tie(1), 500.0, 1000.0, 1000.0, 1000.0),  // 40, 80 -> 60
            node(GATE_UNSCHEDULABLE, f64::INFINITY, f64::INFINITY, 1.0, 1.0),
            node(GATE_TOO_MANY_PODS, 0.0, 0.0, 1.0, 1.0), // also short of cpu and memory
            node(tie(0), 50.0, 1000.0, 1000.0, 1000.0),   // short of cpu
            ScanValues::EXACT,                            // skipped entirely
            node(tie(2), 1000.0, 1000.0, 1000.0, 1000.0), // 85 as well, smaller name than rank 3
        ];
        // Lengths around the vector widths, so that the loop's tail runs too.
        for extra in 0..9 {
            let c = columns(&nodes);
            for isa in [Isa::Baseline, Isa::Avx2] {
                let s = scan_with(isa, &c, &pod(100.0, 200.0));
                assert_eq!(split_key(s.best_key), (85, 2), "{isa:?}");
                assert_eq!(s.feasible, 3 + extra);
                assert_eq!(s.insufficient_cpu, 2);
                assert_eq!(s.insufficient_memory, 1);
            }
            nodes.push(node(tie(9 + extra), 100.0, 1000.0, 1000.0, 1000.0)); // 0, 80 -> 40
        }
    }

    #[test]
    fn no_feasible_node_gives_minus_one() {
        let c = columns(&[node(
            GATE_UNSCHEDULABLE,
            f64::INFINITY,
            f64::INFINITY,
            1.0,
            1.0,
        )]);
        assert_eq!(scan(&c, &pod(1.0, 1.0)).best_key, -1);
        let empty = scan(&Columns::default(), &pod(1.0, 1.0));
        assert_eq!(
            empty,
            Summary {
                best_key: -1,
                ..Summary::default()
            }
        );
    }
}
