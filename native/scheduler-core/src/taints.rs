//! `TaintToleration` over interned taints: the filter (an untolerated `NoSchedule` or
//! `NoExecute` taint rejects the node) and the raw score (how many `PreferNoSchedule` taints
//! the pod does not tolerate), with Kubernetes' matching rules as `tolerations.ts` has them.
//!
//! Strings never reach this module: the caller (the TypeScript wrapper) interns every taint
//! and toleration key and value to an id >= 1, so a comparison is one integer compare. Id 0
//! in a toleration is a wildcard: key 0 is an empty key (which matches every key), value 0 is
//! operator `Exists` (which ignores the value). Effects are the three codes below; 0 in a
//! toleration is the empty effect, which matches every effect. A taint with another effect
//! never filters or scores, and a toleration with another effect or an unknown operator never
//! matches a taint that does, so the caller leaves both out.

/// Effect code of `NoSchedule`.
pub const NO_SCHEDULE: u32 = 1;
/// Effect code of `PreferNoSchedule`.
pub const PREFER_NO_SCHEDULE: u32 = 2;
/// Effect code of `NoExecute`.
pub const NO_EXECUTE: u32 = 3;

/// A node taint: interned key and value, effect code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Taint {
    pub key: u32,
    pub value: u32,
    pub effect: u32,
}

/// A pod toleration: interned key (0: every key), interned value (0: `Exists`, any value),
/// effect code (0: every effect).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Toleration {
    pub key: u32,
    pub value: u32,
    pub effect: u32,
}

impl Toleration {
    /// `Toleration.ToleratesTaint`: effect, then key, then value (unless `Exists`).
    #[inline]
    pub fn tolerates(&self, taint: &Taint) -> bool {
        (self.effect == 0 || self.effect == taint.effect)
            && (self.key == 0 || self.key == taint.key)
            && (self.value == 0 || self.value == taint.value)
    }
}

/// Decodes triples `[key, value, effect, ...]` (a trailing partial triple is ignored).
pub fn triples(ids: &[u32]) -> impl Iterator<Item = [u32; 3]> + '_ {
    ids.chunks_exact(3).map(|c| [c[0], c[1], c[2]])
}

fn tolerated(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| t.tolerates(taint))
}

/// True when some `NoSchedule`/`NoExecute` taint of the node is not tolerated.
#[inline]
pub fn rejects(taints: &[Taint], tolerations: &[Toleration]) -> bool {
    taints.iter().any(|taint| {
        (taint.effect == NO_SCHEDULE || taint.effect == NO_EXECUTE)
            && !tolerated(tolerations, taint)
    })
}

/// How many `PreferNoSchedule` taints of the node are not tolerated (the raw score).
#[inline]
pub fn untolerated_preferred(taints: &[Taint], tolerations: &[Toleration]) -> i64 {
    taints
        .iter()
        .filter(|taint| taint.effect == PREFER_NO_SCHEDULE && !tolerated(tolerations, taint))
        .count() as i64
}

/// kube-scheduler's `DefaultNormalizeScore` for one score, reversed: `100 - 100 * raw / max`
/// (integer division), 100 for every node when `max` is 0.
#[inline]
pub fn normalize_reversed(raw: i64, max: i64) -> i64 {
    if max == 0 {
        100
    } else {
        100 - 100 * raw / max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: u32 = 1;
    const V: u32 = 2;
    const OTHER: u32 = 3;

    fn taint(effect: u32) -> Taint {
        Taint {
            key: K,
            value: V,
            effect,
        }
    }

    #[test]
    fn matching_follows_kubernetes_rules() {
        let t = taint(NO_SCHEDULE);
        let equal = Toleration {
            key: K,
            value: V,
            effect: NO_SCHEDULE,
        };
        assert!(equal.tolerates(&t));
        assert!(!Toleration {
            value: OTHER,
            ..equal
        }
        .tolerates(&t));
        assert!(Toleration { value: 0, ..equal }.tolerates(&t)); // Exists
        assert!(Toleration::default().tolerates(&t)); // empty key, Exists, every effect
        assert!(!Toleration {
            effect: NO_EXECUTE,
            ..equal
        }
        .tolerates(&t));
        assert!(!Toleration {
            key: OTHER,
            ..equal
        }
        .tolerates(&t));
    }

    #[test]
    fn filter_and_score_count_only_their_effects() {
        let taints = [taint(PREFER_NO_SCHEDULE), taint(NO_EXECUTE)];
        assert!(rejects(&taints, &[]));
        let for_execute = Toleration {
            key: K,
            value: 0,
            effect: NO_EXECUTE,
        };
        assert!(!rejects(&taints, &[for_execute]));
        assert_eq!(untolerated_preferred(&taints, &[for_execute]), 1);
        assert_eq!(untolerated_preferred(&taints, &[Toleration::default()]), 0);
        assert_eq!(normalize_reversed(1, 3), 67);
        assert_eq!(normalize_reversed(0, 0), 100);
        assert_eq!(normalize_reversed(3, 3), 0);
    }
}
