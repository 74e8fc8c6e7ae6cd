#![deny(clippy::all)]
//! The Skiff scheduler's filter and score core.
//!
//! Mirrors three kube-scheduler plugins for one pod at a time: `NodeUnschedulable` and
//! `NodeResourcesFit` (filters) and `NodeResourcesLeastAllocated` (score, cpu and memory with
//! weight 1 each). `packages/scheduler/src/core/ts-core.ts` is the reference implementation in
//! TypeScript; the two must agree bit for bit (node order, scores, reason counts).
//!
//! Modules, one job each:
//! - [`js_order`]: string order of JavaScript's `<` (UTF-16 code units), for tie-breaks.
//! - [`node_table`]: the node table (exact state, scan layout, name ranks) and pod accounting.
//! - [`fit`]: the filters (reference form).
//! - [`least_allocated`]: the score (reference form).
//! - [`balanced_allocation`]: BalancedAllocation and the weighted total (scalar, exact).
//! - [`layout`]: the scan layout derived from the exact state, and why it is exact.
//! - [`kernel`]: the vectorised filter + score + argmax loop over the layout.
//! - [`affinity`]: NodeAffinity's filter and score over interned labels.
//! - [`taints`]: TaintToleration's filter and score over interned taints and tolerations.
//! - [`scan`]: one decision (or a batch) from the kernel and the reference rows.
//! - [`binding`]: the napi-rs class `SchedulerCore` that JavaScript sees.

pub mod affinity;
pub mod balanced_allocation;
pub mod binding;
pub mod fit;
pub mod js_order;
pub mod kernel;
pub mod layout;
pub mod least_allocated;
pub mod node_table;
pub mod scan;
pub mod taints;
