//! The node table: one row per known node, stored as struct-of-arrays columns for scanning.
//!
//! Order contract (shared with the TypeScript twin, because `scoreAll` is compared index by
//! index): a new node is appended; `upsert` of a known node keeps its row; `remove` moves the
//! last row into the removed row's place (swap-remove).
//!
//! Pods may be accounted on a node before the node itself is known (the pod informer can run
//! ahead of the node informer). Such usage waits in a pending record keyed by name and is
//! moved into the row when the node is upserted.

use std::collections::HashMap;

/// A pod's requests in integer units (millicores, bytes).
///
/// `milli_cpu`/`memory_bytes` are the real requests, used by the filters; the `non_zero_*`
/// values count a container without a request as 100m / 200Mi and are used by the score.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requests {
    pub milli_cpu: i64,
    pub memory_bytes: i64,
    pub non_zero_milli_cpu: i64,
    pub non_zero_memory_bytes: i64,
}

/// The sum of the requests of the pods accounted on one node, and how many there are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub milli_cpu: i64,
    pub memory_bytes: i64,
    pub non_zero_milli_cpu: i64,
    pub non_zero_memory_bytes: i64,
    pub pods: i64,
}

impl Usage {
    /// Accounts one more pod.
    pub fn add(&mut self, r: &Requests) {
        self.milli_cpu = self.milli_cpu.saturating_add(r.milli_cpu);
        self.memory_bytes = self.memory_bytes.saturating_add(r.memory_bytes);
        self.non_zero_milli_cpu = self.non_zero_milli_cpu.saturating_add(r.non_zero_milli_cpu);
        self.non_zero_memory_bytes = self
            .non_zero_memory_bytes
            .saturating_add(r.non_zero_memory_bytes);
        self.pods = self.pods.saturating_add(1);
    }

    /// Undoes [`Usage::add`] for the same requests. Not clamped: removing a pod that was never
    /// added is the caller's bug and shows up as negative usage, the same in both twins.
    pub fn sub(&mut self, r: &Requests) {
        self.milli_cpu = self.milli_cpu.saturating_sub(r.milli_cpu);
        self.memory_bytes = self.memory_bytes.saturating_sub(r.memory_bytes);
        self.non_zero_milli_cpu = self.non_zero_milli_cpu.saturating_sub(r.non_zero_milli_cpu);
        self.non_zero_memory_bytes = self
            .non_zero_memory_bytes
            .saturating_sub(r.non_zero_memory_bytes);
        self.pods = self.pods.saturating_sub(1);
    }

    /// True when nothing is accounted (a pending record in this state is dropped).
    pub fn is_zero(&self) -> bool {
        *self == Usage::default()
    }
}

/// A node's schedulable resources as the node cache knows them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Allocatable {
    pub milli_cpu: i64,
    pub memory_bytes: i64,
    pub pods: i64,
}

/// `1 / x` for `x > 0`, else 0.
#[inline]
pub fn reciprocal(x: i64) -> f64 {
    if x > 0 {
        1.0 / x as f64
    } else {
        0.0
    }
}

/// `1 / allocatable` per scored resource (0 where allocatable <= 0), kept beside the integers
/// so the score can multiply instead of divide (see `least_allocated`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Reciprocals {
    pub milli_cpu: f64,
    pub memory_bytes: f64,
}

impl Reciprocals {
    /// The reciprocals of `a`'s cpu and memory.
    pub fn of(a: &Allocatable) -> Self {
        Reciprocals {
            milli_cpu: reciprocal(a.milli_cpu),
            memory_bytes: reciprocal(a.memory_bytes),
        }
    }
}

/// One row, copied out of the columns (cheap: plain numbers).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Row {
    pub unschedulable: bool,
    pub allocatable: Allocatable,
    /// Always `Reciprocals::of(&allocatable)`.
    pub reciprocals: Reciprocals,
    pub usage: Usage,
}

impl Row {
    /// A row with its reciprocals computed.
    pub fn new(unschedulable: bool, allocatable: Allocatable, usage: Usage) -> Self {
        Row {
            unschedulable,
            allocatable,
            reciprocals: Reciprocals::of(&allocatable),
            usage,
        }
    }
}

/// The node table. Every column has exactly `names.len()` entries.
#[derive(Debug, Default)]
pub struct NodeTable {
    names: Vec<String>,
    unschedulable: Vec<bool>,
    alloc_milli_cpu: Vec<i64>,
    alloc_memory_bytes: Vec<i64>,
    alloc_pods: Vec<i64>,
    inv_milli_cpu: Vec<f64>,
    inv_memory_bytes: Vec<f64>,
    req_milli_cpu: Vec<i64>,
    req_memory_bytes: Vec<i64>,
    non_zero_milli_cpu: Vec<i64>,
    non_zero_memory_bytes: Vec<i64>,
    pod_count: Vec<i64>,
    index: HashMap<String, usize>,
    pending: HashMap<String, Usage>,
}

/// Borrowed columns, all sliced to the same length so a scan indexes them without bounds
/// checks after the first.
pub struct Columns<'a> {
    pub names: &'a [String],
    unschedulable: &'a [bool],
    alloc_milli_cpu: &'a [i64],
    alloc_memory_bytes: &'a [i64],
    alloc_pods: &'a [i64],
    inv_milli_cpu: &'a [f64],
    inv_memory_bytes: &'a [f64],
    req_milli_cpu: &'a [i64],
    req_memory_bytes: &'a [i64],
    non_zero_milli_cpu: &'a [i64],
    non_zero_memory_bytes: &'a [i64],
    pod_count: &'a [i64],
}

impl Columns<'_> {
    /// Number of rows.
    #[inline]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are no rows.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Row `i`; panics if `i >= len()`.
    #[inline(always)]
    pub fn row(&self, i: usize) -> Row {
        Row {
            unschedulable: self.unschedulable[i],
            allocatable: Allocatable {
                milli_cpu: self.alloc_milli_cpu[i],
                memory_bytes: self.alloc_memory_bytes[i],
                pods: self.alloc_pods[i],
            },
            reciprocals: Reciprocals {
                milli_cpu: self.inv_milli_cpu[i],
                memory_bytes: self.inv_memory_bytes[i],
            },
            usage: Usage {
                milli_cpu: self.req_milli_cpu[i],
                memory_bytes: self.req_memory_bytes[i],
                non_zero_milli_cpu: self.non_zero_milli_cpu[i],
                non_zero_memory_bytes: self.non_zero_memory_bytes[i],
                pods: self.pod_count[i],
            },
        }
    }
}

impl NodeTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of known nodes (pending records are not nodes).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no node is known.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Node names in table order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The row index of `name`, if the node is known.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Columns for scanning. Always inlined, so the caller sees that every column has the
    /// same length and the optimizer drops the per-row bounds checks.
    #[inline(always)]
    pub fn columns(&self) -> Columns<'_> {
        let n = self.names.len();
        Columns {
            names: &self.names[..n],
            unschedulable: &self.unschedulable[..n],
            alloc_milli_cpu: &self.alloc_milli_cpu[..n],
            alloc_memory_bytes: &self.alloc_memory_bytes[..n],
            alloc_pods: &self.alloc_pods[..n],
            inv_milli_cpu: &self.inv_milli_cpu[..n],
            inv_memory_bytes: &self.inv_memory_bytes[..n],
            req_milli_cpu: &self.req_milli_cpu[..n],
            req_memory_bytes: &self.req_memory_bytes[..n],
            non_zero_milli_cpu: &self.non_zero_milli_cpu[..n],
            non_zero_memory_bytes: &self.non_zero_memory_bytes[..n],
            pod_count: &self.pod_count[..n],
        }
    }

    /// The usage accounted on `name`, whether it is a known node or only a pending record.
    pub fn usage(&self, name: &str) -> Option<Usage> {
        match self.position(name) {
            Some(i) => Some(self.columns().row(i).usage),
            None => self.pending.get(name).copied(),
        }
    }

    /// Adds a node or replaces its allocatable resources and unschedulable flag. A known node
    /// keeps its row and its accounted pods; a new node is appended and takes over any usage
    /// accounted on its name before it was known.
    pub fn upsert(&mut self, name: &str, allocatable: Allocatable, unschedulable: bool) {
        let inv = Reciprocals::of(&allocatable);
        if let Some(i) = self.position(name) {
            self.unschedulable[i] = unschedulable;
            self.alloc_milli_cpu[i] = allocatable.milli_cpu;
            self.alloc_memory_bytes[i] = allocatable.memory_bytes;
            self.alloc_pods[i] = allocatable.pods;
            self.inv_milli_cpu[i] = inv.milli_cpu;
            self.inv_memory_bytes[i] = inv.memory_bytes;
            return;
        }
        let usage = self.pending.remove(name).unwrap_or_default();
        let i = self.names.len();
        self.names.push(name.to_owned());
        self.unschedulable.push(unschedulable);
        self.alloc_milli_cpu.push(allocatable.milli_cpu);
        self.alloc_memory_bytes.push(allocatable.memory_bytes);
        self.alloc_pods.push(allocatable.pods);
        self.inv_milli_cpu.push(inv.milli_cpu);
        self.inv_memory_bytes.push(inv.memory_bytes);
        self.req_milli_cpu.push(usage.milli_cpu);
        self.req_memory_bytes.push(usage.memory_bytes);
        self.non_zero_milli_cpu.push(usage.non_zero_milli_cpu);
        self.non_zero_memory_bytes.push(usage.non_zero_memory_bytes);
        self.pod_count.push(usage.pods);
        self.index.insert(name.to_owned(), i);
    }

    /// Forgets a node and every pod accounted on it (including a pending record of that name).
    /// The last row moves into the freed row. Unknown names are a no-op.
    pub fn remove(&mut self, name: &str) {
        self.pending.remove(name);
        let Some(i) = self.index.remove(name) else {
            return;
        };
        let last = self.names.len() - 1;
        self.names.swap_remove(i);
        self.unschedulable.swap_remove(i);
        self.alloc_milli_cpu.swap_remove(i);
        self.alloc_memory_bytes.swap_remove(i);
        self.alloc_pods.swap_remove(i);
        self.inv_milli_cpu.swap_remove(i);
        self.inv_memory_bytes.swap_remove(i);
        self.req_milli_cpu.swap_remove(i);
        self.req_memory_bytes.swap_remove(i);
        self.non_zero_milli_cpu.swap_remove(i);
        self.non_zero_memory_bytes.swap_remove(i);
        self.pod_count.swap_remove(i);
        if i != last {
            if let Some(slot) = self.index.get_mut(&self.names[i]) {
                *slot = i;
            }
        }
    }

    /// Writes a row's usage back into the columns.
    fn set_usage(&mut self, i: usize, u: Usage) {
        self.req_milli_cpu[i] = u.milli_cpu;
        self.req_memory_bytes[i] = u.memory_bytes;
        self.non_zero_milli_cpu[i] = u.non_zero_milli_cpu;
        self.non_zero_memory_bytes[i] = u.non_zero_memory_bytes;
        self.pod_count[i] = u.pods;
    }

    /// Accounts a bound or assumed pod on `node`. If the node is unknown, the pod is kept in a
    /// pending record (created on demand) that a later [`NodeTable::upsert`] takes over.
    pub fn add_pod(&mut self, node: &str, requests: &Requests) {
        match self.position(node) {
            Some(i) => {
                let mut u = self.columns().row(i).usage;
                u.add(requests);
                self.set_usage(i, u);
            }
            None => self
                .pending
                .entry(node.to_owned())
                .or_default()
                .add(requests),
        }
    }

    /// Undoes [`NodeTable::add_pod`]. A pending record that drops back to all zeros is
    /// forgotten. A name with neither a node nor a pending record is a no-op.
    pub fn remove_pod(&mut self, node: &str, requests: &Requests) {
        if let Some(i) = self.position(node) {
            let mut u = self.columns().row(i).usage;
            u.sub(requests);
            self.set_usage(i, u);
        } else if let Some(u) = self.pending.get_mut(node) {
            u.sub(requests);
            if u.is_zero() {
                self.pending.remove(node);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alloc(cpu: i64, mem: i64, pods: i64) -> Allocatable {
        Allocatable {
            milli_cpu: cpu,
            memory_bytes: mem,
            pods,
        }
    }

    fn req(cpu: i64, mem: i64) -> Requests {
        Requests {
            milli_cpu: cpu,
            memory_bytes: mem,
            non_zero_milli_cpu: cpu.max(100),
            non_zero_memory_bytes: mem.max(209_715_200),
        }
    }

    #[test]
    fn upsert_appends_then_replaces_in_place_keeping_pods() {
        let mut t = NodeTable::new();
        t.upsert("a", alloc(1000, 1 << 30, 10), false);
        t.upsert("b", alloc(2000, 2 << 30, 20), false);
        t.add_pod("a", &req(250, 1 << 20));
        t.upsert("a", alloc(4000, 4 << 30, 40), true);
        assert_eq!(t.names(), ["a", "b"]);
        let row = t.columns().row(0);
        assert!(row.unschedulable);
        assert_eq!(row.allocatable, alloc(4000, 4 << 30, 40));
        assert_eq!(row, Row::new(true, alloc(4000, 4 << 30, 40), row.usage));
        assert_eq!(row.usage.pods, 1);
        assert_eq!(row.usage.milli_cpu, 250);
        assert_eq!(row.usage.non_zero_memory_bytes, 209_715_200);
    }

    #[test]
    fn remove_swaps_the_last_row_in_and_fixes_the_index() {
        let mut t = NodeTable::new();
        for (k, name) in ["a", "b", "c", "d"].iter().enumerate() {
            t.upsert(name, alloc(k as i64, 0, 0), false);
        }
        t.remove("b");
        assert_eq!(t.names(), ["a", "d", "c"]);
        assert_eq!(t.position("d"), Some(1));
        assert_eq!(t.columns().row(1).allocatable.milli_cpu, 3);
        t.remove("c"); // the last row: nothing moves
        assert_eq!(t.names(), ["a", "d"]);
        t.remove("zzz"); // unknown: no-op
        assert_eq!(t.len(), 2);
        t.remove("a");
        t.remove("d");
        assert!(t.is_empty());
        assert!(t.columns().is_empty());
    }

    #[test]
    fn pods_on_unknown_nodes_wait_for_the_node() {
        let mut t = NodeTable::new();
        t.add_pod("late", &req(100, 10));
        t.add_pod("late", &req(200, 20));
        assert_eq!(t.len(), 0);
        assert_eq!(t.usage("late").map(|u| u.pods), Some(2));
        t.upsert("late", alloc(1000, 1000, 5), false);
        let u = t.usage("late").unwrap_or_default();
        assert_eq!((u.pods, u.milli_cpu, u.memory_bytes), (2, 300, 30));
    }

    #[test]
    fn pending_record_is_dropped_when_emptied_and_remove_node_forgets_pods() {
        let mut t = NodeTable::new();
        t.add_pod("x", &req(100, 10));
        t.remove_pod("x", &req(100, 10));
        assert_eq!(t.usage("x"), None);
        t.remove_pod("nowhere", &req(1, 1)); // no record: no-op
        assert_eq!(t.usage("nowhere"), None);

        t.upsert("x", alloc(1, 1, 1), false);
        t.add_pod("x", &req(100, 10));
        t.remove("x");
        assert_eq!(t.usage("x"), None);
        t.upsert("x", alloc(1, 1, 1), false);
        assert_eq!(t.usage("x"), Some(Usage::default()));

        t.add_pod("y", &req(100, 10));
        t.remove("y"); // drops the pending record too
        t.upsert("y", alloc(1, 1, 1), false);
        assert_eq!(t.usage("y"), Some(Usage::default()));
    }

    #[test]
    fn remove_pod_undoes_add_pod_on_a_known_node() {
        let mut t = NodeTable::new();
        t.upsert("n", alloc(1000, 1000, 5), false);
        t.add_pod("n", &req(0, 0));
        t.add_pod("n", &req(300, 7));
        t.remove_pod("n", &req(0, 0));
        let u = t.usage("n").unwrap_or_default();
        assert_eq!(u.pods, 1);
        assert_eq!(u.milli_cpu, 300);
        assert_eq!(u.non_zero_milli_cpu, 300);
        assert_eq!(u.non_zero_memory_bytes, 209_715_200);
        t.remove_pod("n", &req(300, 7));
        assert_eq!(t.usage("n"), Some(Usage::default()));
    }
}
