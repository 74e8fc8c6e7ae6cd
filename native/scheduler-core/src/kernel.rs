//! The fused filter + score + argmax loop over the scan layout ([`crate::layout`]).
//!
//! One pass over the blocks, branch-free, with one accumulator per lane for every count and
//! for the best key, so the compiler turns each block into a handful of vector instructions
//! (`f64` compares, multiplies, max, and two `f64`↔`i32` conversions for the floors). The
//! same source is compiled twice: for the x86-64 baseline (SSE2, two lanes per instruction,
//! what every x86-64 CPU runs) and, on x86-64, with AVX2 enabled (four lanes), chosen at run
//! time when the CPU has it. No build flag is needed and the binary runs on any x86-64.

use std::sync::OnceLock;

use crate::layout::{
    Block, LaneValues, PodTerms, GATE_TOO_MANY_PODS, GATE_UNSCHEDULABLE, LANES, SCORE_EPSILON,
    TIE_SPAN,
};

/// What one pass over the blocks found. Counts exclude nodes gated [`crate::layout::GATE_EXACT`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    /// The largest key (`score * 2^32 + tie`) of a feasible node, or -1 when none is.
    pub best_key: f64,
    pub feasible: u32,
    pub unschedulable: u32,
    pub too_many_pods: u32,
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
pub fn scan(blocks: &[Block], pod: &PodTerms) -> Summary {
    scan_with(Isa::detect(), blocks, pod)
}

/// Runs the loop with a given build. `Isa::Avx2` on a CPU without AVX2 runs the baseline.
pub fn scan_with(isa: Isa, blocks: &[Block], pod: &PodTerms) -> Summary {
    #[cfg(target_arch = "x86_64")]
    {
        if isa == Isa::Avx2 && avx2_available() {
            // SAFETY: the CPU supports AVX2 (is_x86_feature_detected caches the answer).
            return unsafe { scan_avx2(blocks, pod) };
        }
    }
    let _ = isa;
    scan_generic(blocks, pod)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scan_avx2(blocks: &[Block], pod: &PodTerms) -> Summary {
    scan_generic(blocks, pod)
}

/// `floor(x)` for a resource score: `x` is clamped to `[0, 128]` first (NaN, impossible for
/// the layout's finite values, would read as 0), then truncated.
#[inline(always)]
fn floor_score(x: f64) -> i32 {
    let x = if x > 0.0 { x } else { 0.0 };
    let x = if x < 128.0 { x } else { 128.0 };
    // SAFETY: x is finite and in [0, 128], so it fits in an i32.
    unsafe { x.to_int_unchecked::<i32>() }
}

/// One resource's score from the layout: `floor(max((free - p) * scale + EPSILON, 0))`.
#[inline(always)]
fn resource_score(free: f64, requested: f64, scale: f64) -> i32 {
    floor_score((free - requested) * scale + SCORE_EPSILON)
}

/// The node score, `floor((cpu + memory) / 2)`, as an `f64` (exact: at most 128).
#[inline(always)]
fn node_score(v: &LaneValues, pod: &PodTerms) -> f64 {
    let cpu = resource_score(v.score_free_cpu, pod.score_cpu, v.cpu_scale);
    let memory = resource_score(v.score_free_memory, pod.score_memory, v.memory_scale);
    f64::from((cpu + memory) >> 1)
}

/// One lane evaluated alone with the loop's arithmetic: its score when the node is feasible.
/// For `scoreAll` (so tests compare the kernel's arithmetic node by node).
pub fn evaluate_lane(v: &LaneValues, pod: &PodTerms) -> Option<i64> {
    let fits = v.gate >= 0.0 && !(pod.cpu_need > v.free_cpu) && !(pod.memory_need > v.free_memory);
    fits.then(|| node_score(v, pod) as i64)
}

/// 1.0 when `c`, else 0.0: counts are kept as `f64` lanes (exact below 2^53) so that every
/// accumulator has the width of the compares that feed it.
#[inline(always)]
fn one_if(c: bool) -> f64 {
    if c {
        1.0
    } else {
        0.0
    }
}

#[inline(always)]
fn scan_generic(blocks: &[Block], pod: &PodTerms) -> Summary {
    let mut best = [-1.0f64; LANES];
    let mut feasible = [0.0f64; LANES];
    let mut unschedulable = [0.0f64; LANES];
    let mut too_many_pods = [0.0f64; LANES];
    let mut insufficient_cpu = [0.0f64; LANES];
    let mut insufficient_memory = [0.0f64; LANES];
    let (cpu_need, memory_need) = (pod.cpu_need, pod.memory_need);
    let (score_cpu, score_memory) = (pod.score_cpu, pod.score_memory);
    for b in blocks {
        for l in 0..LANES {
            let gate = b.gate[l];
            // Gates: tie >= 0 open, -1 too many pods, -2 unschedulable, -3 not evaluated here.
            let open = gate >= 0.0;
            let checked = gate >= GATE_TOO_MANY_PODS;
            let cpu_short = cpu_need > b.free_cpu[l];
            let memory_short = memory_need > b.free_memory[l];
            unschedulable[l] += one_if(gate == GATE_UNSCHEDULABLE);
            too_many_pods[l] += one_if(gate == GATE_TOO_MANY_PODS);
            insufficient_cpu[l] += one_if(checked & cpu_short);
            insufficient_memory[l] += one_if(checked & memory_short);
            let fits = open & !cpu_short & !memory_short;
            feasible[l] += one_if(fits);
            let cpu = resource_score(b.score_free_cpu[l], score_cpu, b.cpu_scale[l]);
            let memory = resource_score(b.score_free_memory[l], score_memory, b.memory_scale[l]);
            let score = f64::from((cpu + memory) >> 1);
            let key = if fits { score * TIE_SPAN + gate } else { -1.0 };
            best[l] = if key > best[l] { key } else { best[l] };
        }
    }
    let sum = |v: [f64; LANES]| v.iter().sum::<f64>() as u32;
    Summary {
        best_key: best.iter().fold(-1.0, |m, &k| if k > m { k } else { m }),
        feasible: sum(feasible),
        unschedulable: sum(unschedulable),
        too_many_pods: sum(too_many_pods),
        insufficient_cpu: sum(insufficient_cpu),
        insufficient_memory: sum(insufficient_memory),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{tie, GATE_EXACT};

    fn lane(
        gate: f64,
        free_cpu: f64,
        free_memory: f64,
        alloc_cpu: f64,
        alloc_mem: f64,
    ) -> LaneValues {
        LaneValues {
            gate,
            free_cpu,
            free_memory,
            score_free_cpu: free_cpu,
            cpu_scale: 100.0 / alloc_cpu,
            score_free_memory: free_memory,
            memory_scale: 100.0 / alloc_mem,
        }
    }

    fn blocks(lanes: &[LaneValues]) -> Vec<Block> {
        let mut out = vec![Block::PADDING; lanes.len().div_ceil(LANES)];
        for (i, v) in lanes.iter().enumerate() {
            out[i / LANES].set(i % LANES, v);
        }
        out
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
        }
    }

    #[test]
    fn both_builds_count_gates_and_pick_the_best_key() {
        let lanes = [
            lane(tie(3), 1000.0, 1000.0, 1000.0, 1000.0), // 100-10 = 90 / 100-20=80 -> 85
            lane(tie(1), 500.0, 1000.0, 1000.0, 1000.0),  // 40, 80 -> 60
            lane(GATE_UNSCHEDULABLE, 0.0, 0.0, 1.0, 1.0),
            lane(GATE_TOO_MANY_PODS, 0.0, 0.0, 1.0, 1.0), // also short of cpu and memory
            lane(tie(0), 50.0, 1000.0, 1000.0, 1000.0),   // short of cpu
            lane(GATE_EXACT, 0.0, 0.0, 1.0, 1.0),         // skipped entirely
            lane(tie(2), 1000.0, 1000.0, 1000.0, 1000.0), // 85 as well, smaller name than rank 3
        ];
        for isa in [Isa::Baseline, Isa::Avx2] {
            let s = scan_with(isa, &blocks(&lanes), &pod(100.0, 200.0));
            assert_eq!(s.best_key, 85.0 * TIE_SPAN + tie(2), "{isa:?}");
            assert_eq!(s.feasible, 3);
            assert_eq!(s.unschedulable, 1);
            assert_eq!(s.too_many_pods, 1);
            assert_eq!(s.insufficient_cpu, 2);
            assert_eq!(s.insufficient_memory, 1);
        }
    }

    #[test]
    fn no_feasible_node_gives_minus_one() {
        let s = scan(
            &blocks(&[lane(GATE_UNSCHEDULABLE, 0.0, 0.0, 1.0, 1.0)]),
            &pod(1.0, 1.0),
        );
        assert_eq!(s.best_key, -1.0);
        assert_eq!(
            scan(&[], &pod(1.0, 1.0)),
            Summary {
                best_key: -1.0,
                ..Summary::default()
            }
        );
    }
}
