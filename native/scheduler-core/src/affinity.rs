//! `NodeAffinity` over interned labels: the filter (`spec.nodeSelector` and the required node
//! selector terms) and the raw score (the summed weights of the preferred terms a node
//! matches), with the operators of `node-selector.ts`.
//!
//! As with taints ([`crate::taints`]), the TypeScript wrapper interns every label key and
//! value and the node names, and parses integers for `Gt`/`Lt` the way `node-selector.ts` does
//! (NaN when the text is not an integer), so this module compares numbers only.
//!
//! The pod's affinity arrives as one flat array of f64 ([`PodAffinity::decode`]):
//! `[selectorCount, (key, value)*, hasRequired, termCount, term*, preferredCount,
//! (weight, term)*]`, a term being `[requirementCount, requirement*]` and a requirement
//! `[operator, field, key, valueCount, value*]` (for `Gt`/`Lt` the one value is the bound).
//! `field` 1 is `matchFields` on `metadata.name` (the wrapper encodes a field requirement on
//! another key as [`NEVER`]).

/// Operator codes of a requirement.
pub const NEVER: u32 = 0;
pub const IN: u32 = 1;
pub const NOT_IN: u32 = 2;
pub const EXISTS: u32 = 3;
pub const DOES_NOT_EXIST: u32 = 4;
pub const GT: u32 = 5;
pub const LT: u32 = 6;

/// A node's labels: interned (key, value, value as an integer or NaN), sorted by key, and its
/// name (the only field a term can match).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Labels {
    pub name: u32,
    pub name_number: f64,
    pub pairs: Vec<(u32, u32, f64)>,
}

impl Labels {
    /// Decodes `[nameId, nameNumber, count, (key, value, number)*]`; `None` when malformed.
    pub fn decode(data: &[f64]) -> Option<Labels> {
        let (&name, &name_number, &count) = (data.first()?, data.get(1)?, data.get(2)?);
        let body = data.get(3..)?;
        if body.len() != count as usize * 3 {
            return None;
        }
        let mut pairs: Vec<(u32, u32, f64)> = body
            .chunks_exact(3)
            .map(|c| (c[0] as u32, c[1] as u32, c[2]))
            .collect();
        pairs.sort_by_key(|p| p.0);
        Some(Labels {
            name: name as u32,
            name_number,
            pairs,
        })
    }

    fn get(&self, key: u32) -> Option<(u32, f64)> {
        self.pairs
            .binary_search_by_key(&key, |p| p.0)
            .ok()
            .map(|i| (self.pairs[i].1, self.pairs[i].2))
    }
}

/// One requirement: `key <operator> values` on a label, or on the node's name (`field`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Requirement {
    pub operator: u32,
    pub field: bool,
    pub key: u32,
    pub values: Vec<f64>,
}

impl Requirement {
    fn matches(&self, labels: &Labels) -> bool {
        let found = if self.field {
            Some((labels.name, labels.name_number))
        } else {
            labels.get(self.key)
        };
        let includes = |v: u32| self.values.iter().any(|&x| x as u32 == v);
        match (self.operator, found) {
            (IN, Some((v, _))) => includes(v),
            (NOT_IN, Some((v, _))) => !includes(v),
            (NOT_IN, None) | (EXISTS, Some(_)) | (DOES_NOT_EXIST, None) => true,
            (GT, Some((_, n))) => self.values.len() == 1 && n > self.values[0],
            (LT, Some((_, n))) => self.values.len() == 1 && n < self.values[0],
            _ => false,
        }
    }
}

/// A node selector term: every requirement holds; an empty term matches nothing.
pub type Term = Vec<Requirement>;

fn term_matches(term: &Term, labels: &Labels) -> bool {
    !term.is_empty() && term.iter().all(|r| r.matches(labels))
}

/// A pod's node selector and node affinity.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodAffinity {
    /// `spec.nodeSelector`: every label equal.
    pub selector: Vec<(u32, u32)>,
    /// The required terms (ORed), when the pod has them.
    pub required: Option<Vec<Term>>,
    /// The preferred terms with their weights.
    pub preferred: Vec<(i64, Term)>,
}

/// Reads the flat encoding, front to back.
struct Reader<'a> {
    data: &'a [f64],
    at: usize,
}

impl Reader<'_> {
    fn next(&mut self) -> Option<f64> {
        let v = *self.data.get(self.at)?;
        self.at += 1;
        Some(v)
    }

    fn count(&mut self) -> Option<usize> {
        let n = self.next()?;
        // A count cannot exceed what is left: rejects garbage before allocating.
        (n >= 0.0 && n as usize <= self.data.len() - self.at).then_some(n as usize)
    }

    fn term(&mut self) -> Option<Term> {
        (0..self.count()?)
            .map(|_| {
                let operator = self.next()? as u32;
                let field = self.next()? != 0.0;
                let key = self.next()? as u32;
                let values = (0..self.count()?)
                    .map(|_| self.next())
                    .collect::<Option<_>>()?;
                Some(Requirement {
                    operator,
                    field,
                    key,
                    values,
                })
            })
            .collect()
    }
}

impl PodAffinity {
    /// Decodes the flat encoding (see the module's doc); `None` when malformed.
    pub fn decode(data: &[f64]) -> Option<PodAffinity> {
        if data.is_empty() {
            return Some(PodAffinity::default());
        }
        let mut r = Reader { data, at: 0 };
        let selector = (0..r.count()?)
            .map(|_| Some((r.next()? as u32, r.next()? as u32)))
            .collect::<Option<_>>()?;
        let has_required = r.next()? != 0.0;
        let terms = (0..r.count()?)
            .map(|_| r.term())
            .collect::<Option<Vec<_>>>()?;
        let preferred = (0..r.count()?)
            .map(|_| Some((r.next()? as i64, r.term()?)))
            .collect::<Option<_>>()?;
        (r.at == data.len()).then_some(PodAffinity {
            selector,
            required: has_required.then_some(terms),
            preferred,
        })
    }

    /// True when the filter or the score can depend on the node.
    pub fn is_empty(&self) -> bool {
        self.selector.is_empty() && self.required.is_none() && self.preferred.is_empty()
    }

    /// The filter: every nodeSelector label equal, and some required term matching.
    pub fn rejects(&self, labels: &Labels) -> bool {
        let selector_fails = self
            .selector
            .iter()
            .any(|&(k, v)| labels.get(k).map(|(x, _)| x) != Some(v));
        selector_fails
            || self
                .required
                .as_ref()
                .is_some_and(|terms| !terms.iter().any(|t| term_matches(t, labels)))
    }

    /// The raw score: the summed weights of the preferred terms the node matches.
    pub fn preferred_score(&self, labels: &Labels) -> i64 {
        self.preferred
            .iter()
            .filter(|(w, t)| *w != 0 && term_matches(t, labels))
            .map(|(w, _)| *w)
            .sum()
    }
}

/// `DefaultNormalizeScore` (not reversed): `100 * raw / max` (integer division), 0 when `max`
/// is 0.
pub fn normalize(raw: i64, max: i64) -> i64 {
    if max == 0 {
        0
    } else {
        100 * raw / max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        // name 9 ("7"), zone=a (1=2), size=16 (3=4, 16)
        Labels::decode(&[9.0, 7.0, 2.0, 3.0, 4.0, 16.0, 1.0, 2.0, f64::NAN]).unwrap()
    }

    fn req(operator: u32, key: u32, values: &[f64]) -> Requirement {
        Requirement {
            operator,
            field: false,
            key,
            values: values.to_vec(),
        }
    }

    #[test]
    fn operators_follow_node_selector_ts() {
        let l = labels();
        assert!(req(IN, 1, &[5.0, 2.0]).matches(&l));
        assert!(!req(IN, 8, &[2.0]).matches(&l));
        assert!(req(NOT_IN, 8, &[2.0]).matches(&l));
        assert!(!req(NOT_IN, 1, &[2.0]).matches(&l));
        assert!(req(EXISTS, 3, &[]).matches(&l));
        assert!(req(DOES_NOT_EXIST, 8, &[]).matches(&l));
        assert!(req(GT, 3, &[15.0]).matches(&l));
        assert!(!req(LT, 3, &[15.0]).matches(&l));
        assert!(!req(GT, 1, &[0.0]).matches(&l)); // not an integer
        assert!(!req(GT, 3, &[1.0, 2.0]).matches(&l));
        assert!(!req(NEVER, 1, &[2.0]).matches(&l));
        let name = Requirement {
            field: true,
            ..req(IN, 0, &[9.0])
        };
        assert!(name.matches(&l));
        assert!(!term_matches(&vec![], &l));
    }

    #[test]
    fn decodes_and_filters_and_scores() {
        // selector zone=a; required: [size Gt 20] OR [zone In a]; preferred 5: size Exists.
        let data = [
            1.0, 1.0, 2.0, // selector
            1.0, 2.0, // required, two terms
            1.0, 5.0, 0.0, 3.0, 1.0, 20.0, // size Gt 20
            1.0, 1.0, 0.0, 1.0, 1.0, 2.0, // zone In a
            1.0, 5.0, 1.0, 3.0, 0.0, 3.0, 0.0, // preferred 5: size Exists
        ];
        let a = PodAffinity::decode(&data).unwrap();
        assert!(!a.rejects(&labels()));
        assert_eq!(a.preferred_score(&labels()), 5);
        assert!(PodAffinity::decode(&data[..data.len() - 1]).is_none());
        assert!(PodAffinity::decode(&[]).unwrap().is_empty());
        let none = PodAffinity {
            required: Some(vec![]),
            ..PodAffinity::default()
        };
        assert!(none.rejects(&labels()));
        assert_eq!(normalize(5, 10), 50);
        assert_eq!(normalize(0, 0), 0);
    }
}
