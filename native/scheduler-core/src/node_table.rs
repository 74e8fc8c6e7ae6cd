//! The node table: one row per known node, in two forms kept in step on every update.
//!
//! - The exact state (`i64` allocatable and accounted requests per row), which the reference
//!   filters and score ([`crate::fit`], [`crate::least_allocated`]) read.
//! - The scan layout ([`crate::layout`]): columns derived from it, which the vectorised kernel
//!   reads. Rows the layout cannot represent exactly are listed in
//!   [`NodeTable::exact_rows`] and skipped by the kernel.
//!
//! Updates are incremental: a node or pod event rewrites one row of the layout, never the table.
//!
//! Order contract (shared with the TypeScript twin, because `scoreAll` is compared index by
//! index): a new node is appended; `upsert` of a known node keeps its row; `remove` moves the
//! last row into the removed row's place (swap-remove).
//!
//! Ties between equal scores go to the smallest name in JavaScript order. Rather than compare
//! strings in the scan, the table keeps its rows sorted by name (`by_name`) and gives each row
//! its position there (its rank). Adding or removing a node only marks the ranks stale; the
//! next scan renumbers them in one pass ([`NodeTable::prepare`]).
//!
//! Pods may be accounted on a node before the node itself is known (the pod informer can run
//! ahead of the node informer). Such usage waits in a pending record keyed by name and is
//! moved into the row when the node is upserted.

use std::collections::HashMap;

use crate::balanced_allocation::Weights;

use crate::affinity::Labels;
use crate::js_order::cmp_js;
use crate::layout::{
    gate, Columns, ScanValues, GATE_EXACT, GATE_TOO_MANY_PODS, GATE_UNSCHEDULABLE,
};
use crate::taints::Taint;

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

/// One node's exact state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub unschedulable: bool,
    pub allocatable: Allocatable,
    pub usage: Usage,
}

/// How many rows of the scan layout fail a gate-level filter, per reason. These reasons do not
/// depend on the pod, so the table counts them as rows change and the kernel does not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GateCounts {
    pub unschedulable: u32,
    pub too_many_pods: u32,
}

impl GateCounts {
    /// Counts (`add`) or uncounts a row with this gate value.
    fn count(&mut self, gate: i32, add: bool) {
        let slot = match gate {
            GATE_UNSCHEDULABLE => &mut self.unschedulable,
            GATE_TOO_MANY_PODS => &mut self.too_many_pods,
            _ => return,
        };
        *slot = if add { *slot + 1 } else { *slot - 1 };
    }
}

/// `exact_slot` value of a row the kernel evaluates.
const NOT_EXACT: u32 = u32::MAX;

/// The node table.
#[derive(Debug, Default)]
pub struct NodeTable {
    /// Per row: the node's name.
    names: Vec<String>,
    /// Per row: the exact state.
    rows: Vec<Row>,
    /// Per row: the scan layout.
    columns: Columns,
    /// Per row: its position in `by_name` (stale while `ranks_stale`).
    ranks: Vec<u32>,
    /// Row indices in JavaScript name order.
    by_name: Vec<u32>,
    /// Set when `by_name` changed since the ranks (and the tie values in `columns`) were set.
    ranks_stale: bool,
    /// Rows the kernel skips (see [`ScanValues::of`]), in no particular order.
    exact_rows: Vec<u32>,
    /// Per row: its index in `exact_rows`, or `NOT_EXACT`.
    exact_slot: Vec<u32>,
    /// How many kernel rows are gated [`GATE_UNSCHEDULABLE`] and [`GATE_TOO_MANY_PODS`].
    gate_counts: GateCounts,
    /// Per row: the node's taints that filter or score (interned, see [`crate::taints`]).
    taints: Vec<Vec<Taint>>,
    /// Per row: the node's labels and name (interned, see [`crate::affinity`]).
    labels: Vec<Labels>,
    /// How many rows have at least one taint.
    tainted_rows: u32,
    index: HashMap<String, usize>,
    pending: HashMap<String, Usage>,
    /// Per-plugin weights of the total score (see [`crate::balanced_allocation::Weights`]).
    pub weights: Weights,
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

    /// The exact state of every row, in table order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Row `i`'s taints (empty for an untainted node).
    pub fn taints(&self, i: usize) -> &[Taint] {
        &self.taints[i]
    }

    /// Row `i`'s labels.
    pub fn labels(&self, i: usize) -> &Labels {
        &self.labels[i]
    }

    /// Replaces row `i`'s labels (row `i` must exist). A node update sends them again.
    pub fn set_labels(&mut self, i: usize, labels: Labels) {
        self.labels[i] = labels;
    }

    /// True when some node has a taint: the scan then runs the taint filter and score.
    pub fn any_taints(&self) -> bool {
        self.tainted_rows > 0
    }

    /// Replaces row `i`'s taints (row `i` must exist). A node update sends its taints again.
    /// A tainted row leaves the scan layout (it becomes an exact row): the kernel never sees
    /// a taint.
    pub fn set_taints(&mut self, i: usize, taints: Vec<Taint>) {
        let before = !self.taints[i].is_empty();
        let after = !taints.is_empty();
        self.tainted_rows = self.tainted_rows + u32::from(after) - u32::from(before);
        self.taints[i] = taints;
        self.refresh_row(i);
    }

    /// The row index of `name`, if the node is known.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The usage accounted on `name`, whether it is a known node or only a pending record.
    pub fn usage(&self, name: &str) -> Option<Usage> {
        match self.position(name) {
            Some(i) => Some(self.rows[i].usage),
            None => self.pending.get(name).copied(),
        }
    }

    /// Brings the name ranks (and the tie values in the scan layout) up to date after nodes
    /// were added or removed: one pass over the table. A no-op otherwise. Call before
    /// [`NodeTable::columns`], [`NodeTable::rank`] or [`NodeTable::row_at_rank`].
    pub fn prepare(&mut self) {
        if !self.ranks_stale {
            return;
        }
        for (rank, &row) in self.by_name.iter().enumerate() {
            self.ranks[row as usize] = rank as u32;
        }
        for (i, row) in self.rows.iter().enumerate() {
            if self.exact_slot[i] == NOT_EXACT {
                self.columns.gate[i] = gate(row, self.ranks[i]);
            }
        }
        self.ranks_stale = false;
    }

    /// The scan layout (call [`NodeTable::prepare`] first).
    pub fn columns(&self) -> &Columns {
        debug_assert!(!self.ranks_stale);
        &self.columns
    }

    /// Per gate-level reason, how many rows of the scan layout fail it (rows the kernel skips
    /// are not counted: the scan evaluates them with the reference code).
    pub fn gate_counts(&self) -> GateCounts {
        self.gate_counts
    }

    /// Rows the kernel skips; the scan evaluates them with the reference code.
    pub fn exact_rows(&self) -> &[u32] {
        &self.exact_rows
    }

    /// Row `i`'s position in JavaScript name order (call [`NodeTable::prepare`] first).
    pub fn rank(&self, i: usize) -> u32 {
        debug_assert!(!self.ranks_stale);
        self.ranks[i]
    }

    /// The row whose name has position `rank` in JavaScript name order.
    pub fn row_at_rank(&self, rank: u32) -> usize {
        debug_assert!(!self.ranks_stale);
        self.by_name[rank as usize] as usize
    }

    /// One row's scan values as the kernel sees them (for tests and `score_all`).
    pub fn scan_values(&self, i: usize) -> ScanValues {
        self.columns.get(i)
    }

    /// Adds a node or replaces its allocatable resources and unschedulable flag. A known node
    /// keeps its row and its accounted pods; a new node is appended and takes over any usage
    /// accounted on its name before it was known. Returns the node's row.
    pub fn upsert(&mut self, name: &str, allocatable: Allocatable, unschedulable: bool) -> usize {
        if let Some(i) = self.position(name) {
            let row = &mut self.rows[i];
            row.allocatable = allocatable;
            row.unschedulable = unschedulable;
            self.refresh_row(i);
            return i;
        }
        let usage = self.pending.remove(name).unwrap_or_default();
        let i = self.names.len();
        let at = self.name_position(name).unwrap_or_else(|at| at);
        self.names.push(name.to_owned());
        self.rows.push(Row {
            unschedulable,
            allocatable,
            usage,
        });
        self.columns.push(&ScanValues::EXACT);
        self.taints.push(Vec::new());
        self.labels.push(Labels::default());
        self.ranks.push(0);
        self.by_name.insert(at, i as u32);
        self.ranks_stale = true;
        self.exact_slot.push(NOT_EXACT);
        self.index.insert(name.to_owned(), i);
        self.refresh_row(i);
        i
    }

    /// Forgets a node and every pod accounted on it (including a pending record of that name).
    /// The last row moves into the freed row. Unknown names are a no-op. Returns the row the
    /// node had.
    pub fn remove(&mut self, name: &str) -> Option<usize> {
        self.pending.remove(name);
        let i = self.index.remove(name)?;
        let last = self.names.len() - 1;
        // Name order first, while every row still has its name.
        if let Ok(at) = self.name_position(name) {
            self.by_name.remove(at);
        }
        if i != last {
            if let Ok(at) = self.name_position(&self.names[last]) {
                self.by_name[at] = i as u32;
            }
        }
        self.set_exact(i, false);
        self.gate_counts.count(self.columns.gate[i], false);
        self.tainted_rows -= u32::from(!self.taints[i].is_empty());
        self.names.swap_remove(i);
        self.rows.swap_remove(i);
        self.taints.swap_remove(i);
        self.labels.swap_remove(i);
        self.ranks.swap_remove(i);
        self.exact_slot.swap_remove(i);
        self.columns.swap_remove(i);
        if i != last {
            if let Some(slot) = self.index.get_mut(&self.names[i]) {
                *slot = i;
            }
            let slot = self.exact_slot[i];
            if slot != NOT_EXACT {
                self.exact_rows[slot as usize] = i as u32;
            }
        }
        self.ranks_stale = true;
        Some(i)
    }

    /// Accounts a bound or assumed pod on `node`. If the node is unknown, the pod is kept in a
    /// pending record (created on demand) that a later [`NodeTable::upsert`] takes over.
    pub fn add_pod(&mut self, node: &str, requests: &Requests) {
        match self.position(node) {
            Some(i) => self.add_pod_at(i, requests),
            None => self
                .pending
                .entry(node.to_owned())
                .or_default()
                .add(requests),
        }
    }

    /// Accounts a pod on row `i` (which must exist).
    pub fn add_pod_at(&mut self, i: usize, requests: &Requests) {
        self.rows[i].usage.add(requests);
        self.refresh_row(i);
    }

    /// Undoes [`NodeTable::add_pod`]. A pending record that drops back to all zeros is
    /// forgotten. A name with neither a node nor a pending record is a no-op.
    pub fn remove_pod(&mut self, node: &str, requests: &Requests) {
        if let Some(i) = self.position(node) {
            self.rows[i].usage.sub(requests);
            self.refresh_row(i);
        } else if let Some(u) = self.pending.get_mut(node) {
            u.sub(requests);
            if u.is_zero() {
                self.pending.remove(node);
            }
        }
    }

    /// Where `name` is (`Ok`) or would go (`Err`) in `by_name`.
    fn name_position(&self, name: &str) -> Result<usize, usize> {
        self.by_name
            .binary_search_by(|&row| cmp_js(&self.names[row as usize], name))
    }

    /// Re-derives row `i`'s scan values from its exact state.
    fn refresh_row(&mut self, i: usize) {
        let values = match self.taints[i].is_empty() {
            true => ScanValues::of(&self.rows[i], self.ranks[i]).unwrap_or(ScanValues::EXACT),
            false => ScanValues::EXACT,
        };
        self.set_exact(i, values.gate == GATE_EXACT);
        self.gate_counts.count(self.columns.gate[i], false);
        self.gate_counts.count(values.gate, true);
        self.columns.set(i, &values);
    }

    /// Adds row `i` to, or removes it from, the rows the kernel skips.
    fn set_exact(&mut self, i: usize, exact: bool) {
        let slot = self.exact_slot[i];
        if exact && slot == NOT_EXACT {
            self.exact_slot[i] = self.exact_rows.len() as u32;
            self.exact_rows.push(i as u32);
        } else if !exact && slot != NOT_EXACT {
            self.exact_rows.swap_remove(slot as usize);
            if let Some(&moved) = self.exact_rows.get(slot as usize) {
                self.exact_slot[moved as usize] = slot;
            }
            self.exact_slot[i] = NOT_EXACT;
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
        let row = t.rows()[0];
        assert!(row.unschedulable);
        assert_eq!(row.allocatable, alloc(4000, 4 << 30, 40));
        assert_eq!(t.scan_values(0).gate, crate::layout::GATE_UNSCHEDULABLE);
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
        assert_eq!(t.rows()[1].allocatable.milli_cpu, 3);
        t.prepare();
        assert_eq!(
            t.scan_values(1),
            ScanValues::of(&t.rows()[1], t.rank(1)).unwrap_or(ScanValues::EXACT)
        );
        t.remove("c"); // the last row: nothing moves
        assert_eq!(t.names(), ["a", "d"]);
        t.remove("zzz"); // unknown: no-op
        assert_eq!(t.len(), 2);
        t.remove("a");
        t.remove("d");
        assert!(t.is_empty());
        t.prepare();
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

    /// Every row's scan values match its exact state and rank; the exact-row list and the name
    /// order agree with the rows.
    fn check_invariants(t: &mut NodeTable) {
        t.prepare();
        assert_eq!(t.columns().len(), t.len());
        let gates = |g: i32| t.columns().gate.iter().filter(|&&x| x == g).count() as u32;
        assert_eq!(
            t.gate_counts(),
            GateCounts {
                unschedulable: gates(GATE_UNSCHEDULABLE),
                too_many_pods: gates(GATE_TOO_MANY_PODS),
            }
        );
        for i in 0..t.len() {
            let expected = ScanValues::of(&t.rows()[i], t.rank(i));
            assert_eq!(
                t.scan_values(i),
                expected.unwrap_or(ScanValues::EXACT),
                "row {i}"
            );
            assert_eq!(
                expected.is_none(),
                t.exact_rows().contains(&(i as u32)),
                "row {i}"
            );
            assert_eq!(t.row_at_rank(t.rank(i)), i);
            assert_eq!(t.position(&t.names()[i]), Some(i));
        }
        assert_eq!(t.exact_rows().len(), {
            let mut rows = t.exact_rows().to_vec();
            rows.sort_unstable();
            rows.dedup();
            rows.len()
        });
        let mut sorted: Vec<&str> = t.names().iter().map(String::as_str).collect();
        sorted.sort_by(|a, b| cmp_js(a, b));
        for (rank, name) in sorted.iter().enumerate() {
            assert_eq!(t.rank(t.position(name).unwrap_or(usize::MAX)), rank as u32);
        }
    }

    #[test]
    fn layout_ranks_and_exact_rows_follow_every_update() {
        let mut t = NodeTable::new();
        let huge = crate::layout::MAX_FAST_ALLOCATABLE + 1;
        for (k, name) in ["e", "b", "x", "a", "d", "c", "\u{1F600}", "\u{FF21}", "z"]
            .iter()
            .enumerate()
        {
            let memory = if k % 3 == 0 { huge } else { 1 << 30 };
            t.upsert(name, alloc(1000 * k as i64, memory, k as i64), k == 4);
            check_invariants(&mut t);
        }
        t.add_pod("a", &req(100, 1));
        t.remove_pod("b", &req(100, 1)); // negative usage: exact row
        check_invariants(&mut t);
        assert!(t
            .exact_rows()
            .contains(&(t.position("b").unwrap_or(0) as u32)));
        t.add_pod("b", &req(100, 1)); // back to zero: fast again
        check_invariants(&mut t);
        assert!(!t
            .exact_rows()
            .contains(&(t.position("b").unwrap_or(0) as u32)));
        for name in ["e", "z", "c", "\u{1F600}", "nope", "a"] {
            t.remove(name);
            check_invariants(&mut t);
        }
        t.upsert("x", alloc(1, 1 << 20, 3), false); // no longer huge
        t.upsert("m", alloc(1, huge, 3), false);
        check_invariants(&mut t);
        for name in t.names().to_vec() {
            t.remove(&name);
            check_invariants(&mut t);
        }
        assert!(t.exact_rows().is_empty());
    }
}
